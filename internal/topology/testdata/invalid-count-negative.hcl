# want: 5:33 Invalid count
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" { count = -2 }
