# want: 3:18 Unsupported CIDR
cluster "x" {}
network { cidr = "fd00::/64" }
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
