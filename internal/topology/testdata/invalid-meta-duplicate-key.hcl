# want: 6:37 Duplicate key
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {
  meta = { rack = "r1", zone = "a", rack = "r2" }
}
