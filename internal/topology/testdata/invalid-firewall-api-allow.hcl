# want: 9:43 Invalid address | "10.2.0.1/16"
# want: 9:58 Invalid address | "fd00::/8"
# want: 9:70 Invalid address | "nowhere"
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  api_allow = ["10.0.0.5", "10.1.0.0/16", "10.2.0.1/16", "fd00::/8", "nowhere"]
}
