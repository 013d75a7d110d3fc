# want: 3:18 CIDR not private | holds public addresses
cluster "x" {}
network { cidr = "203.0.113.0/24" }
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
