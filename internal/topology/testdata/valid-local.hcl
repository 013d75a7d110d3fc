cluster "airgap" {}
provider "docker" {
  image = "nomadbox/node:test"
}
install {
  method        = "local"
  consul_binary = "bin/consul"
  nomad_binary  = "bin/nomad"
  docker        = "docker.io"
}
server "nomad-server" {}
client "nomad-client" {
  count = 2
}
firewall {
  enabled     = false
}
dns {
  forwarder = "systemd-resolved"
}
