# The docker provider with one client group per kind of driver: each
# node's container gets only what its drivers need.
cluster "drivers" {}
provider "docker" {}
network {
  cidr = "192.168.60.0/24"
}
server "nomad-server" {
  count = 1
}
client "nomad-client" {
  count   = 1
  drivers = ["docker", "raw_exec"]
}
client "raw" {
  count   = 1
  drivers = ["raw_exec"]
}
client "isolated" {
  count   = 1
  drivers = ["exec"]
}
