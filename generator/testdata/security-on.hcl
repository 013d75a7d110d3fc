cluster "secure" {}
provider "virtualbox" {}
install {
  method = "apt"
}
server "nomad-server" {
  count = 3
}
# Drivers left to the default: docker only, without host volumes.
client "nomad-client" {
  count = 2
}
security {
  gossip_encryption = true
  tls               = true
  acl               = true
}
dns {
  forwarder = "systemd-resolved"
}
