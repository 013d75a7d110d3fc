# want: 6:33 Network too small
cluster "x" {}
network { cidr = "192.168.56.0/25" }
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" { count = 30 }
