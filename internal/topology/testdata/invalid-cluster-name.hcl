# want: 2:9 Invalid cluster name
cluster "My_Cluster" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
