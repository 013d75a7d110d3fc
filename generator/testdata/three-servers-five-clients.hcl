cluster "prod-like" {
  datacenter = "dc1"
  region     = "eu"
}
provider "libvirt" {}
network {
  cidr = "10.42.0.0/24"
}
server "nomad-server" {
  count = 3
}
client "nomad-client" {
  count   = 3
  drivers = ["docker", "raw_exec"]
  meta    = { rack = "r1" }
}
client "batch-client" {
  count      = 2
  memory     = 4096
  cpus       = 4
  drivers    = ["exec", "raw_exec"]
  node_class = "batch"
  meta       = { rack = "r2", disk = "ssd" }
}
firewall {
  extra_ports = ["8080/tcp", "27017/tcp"]
}
