# want: 6:8 Duplicate group name
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
client "nomad-client" {}
