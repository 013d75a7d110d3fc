# want: 5:11 Invalid count
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {
  count = 0
}
client "nomad-client" {}
