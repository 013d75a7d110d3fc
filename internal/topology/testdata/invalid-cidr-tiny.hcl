# want: 3:18 CIDR too small
cluster "x" {}
network { cidr = "192.168.56.0/30" }
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
