# want: 6:18 Invalid CIDR
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
network { cidr = "192.168.56.0/33" }
