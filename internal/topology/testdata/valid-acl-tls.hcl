cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  api_allow = ["192.168.1.5", "0.0.0.0/0"]
}
security {
  acl = true
  tls = true
}
