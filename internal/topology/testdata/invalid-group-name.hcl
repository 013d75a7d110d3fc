# want: 5:8 Invalid group name
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "client2" {}
