# want: 3:18 CIDR not private | is multicast
cluster "x" {}
network { cidr = "224.0.0.0/4" }
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
