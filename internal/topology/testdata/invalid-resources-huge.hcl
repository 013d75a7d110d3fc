# want: 6:12 Too much memory
# want: 7:12 Invalid cpus
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {
  memory = 99999999999
  cpus   = 100000
}
client "nomad-client" {}
