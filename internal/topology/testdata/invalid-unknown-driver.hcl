# want: 7:24 Unknown driver
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {
  count   = 2
  drivers = ["docker", "podmann"]
}
