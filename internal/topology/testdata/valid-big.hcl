# check host
cluster "big" {
  datacenter = "east"
  region     = "eu"
}
provider "libvirt" {
  driver = "qemu"
}
network {
  cidr = "10.77.0.0/24"
}
versions {
  consul = "1.13.9"
  nomad  = "1.6.1"
}
server "srv" {
  count = 3
}
client "web" {
  count   = 3
  drivers = ["docker", "raw_exec"]
  meta    = { tier = "web" }
}
client "batch" {
  count      = 2
  drivers    = ["exec", "raw_exec"]
  node_class = "batch"
  memory     = 1024
}
job "web" {
  file = "jobs/web.nomad.hcl"
}
