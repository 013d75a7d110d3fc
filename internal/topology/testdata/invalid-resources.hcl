# want: 6:12 Too little memory
# want: 7:12 Invalid cpus
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {
  memory = 128
  cpus   = 0
}
client "nomad-client" {}
