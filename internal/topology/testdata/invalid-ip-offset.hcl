# want: 4:37 Invalid ip_offset
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" { ip_offset = 1 }
client "nomad-client" {}
