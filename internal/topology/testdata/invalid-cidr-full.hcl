# want: 6:11 Network too small
cluster "x" {}
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {
  count = 160
}
