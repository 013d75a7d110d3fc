# want: 3:18 CIDR has host bits set
cluster "x" {}
network { cidr = "192.168.56.7/24" }
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
