# want: 7:1 Duplicate network block
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
network { cidr = "10.1.0.0/24" }
network { cidr = "10.2.0.0/24" }
