# want: 9:15 Invalid address
# want: 9:15 Invalid address
# want: 9:15 Invalid address
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  api_allow = ["10.0.0.5", "10.1.0.0/16", "10.2.0.1/16", "fd00::/8", "nowhere"]
}
