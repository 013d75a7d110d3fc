# warn: 8:16 ACL tokens over plain HTTP | 192.168.1.5
# warn: 8:50 ACL tokens over plain HTTP | 0.0.0.0/0
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  api_allow = ["192.168.1.5", "192.168.56.0/25", "0.0.0.0/0"]
}
security {
  acl = true
}
