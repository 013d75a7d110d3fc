# want: 3:18 CIDR too small | A /24 holds the default layout
cluster "x" {}
network { cidr = "192.168.56.0/30" }
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
