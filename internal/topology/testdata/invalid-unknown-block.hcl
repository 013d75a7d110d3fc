# want: 6:1 Unsupported block type
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
loadbalancer "fabio" {}
