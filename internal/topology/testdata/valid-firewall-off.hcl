# warn: 9:17 api_allow has no effect
# warn: 10:17 extra_ports has no effect
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  enabled     = false
  api_allow   = ["10.0.0.5"]
  extra_ports = ["8080/tcp"]
}
