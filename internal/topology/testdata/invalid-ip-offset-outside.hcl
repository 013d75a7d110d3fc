# want: 7:15 Invalid ip_offset
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {
  count     = 2
  ip_offset = 255
}
