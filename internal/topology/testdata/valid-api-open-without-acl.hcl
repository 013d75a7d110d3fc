# warn: 8:16 APIs open without ACLs | 0.0.0.0/0
# warn: 8:47 APIs open without ACLs | 198.51.100.7
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  api_allow = ["0.0.0.0/0", "192.168.1.0/24", "198.51.100.7", "100.64.0.0/10"]
}
