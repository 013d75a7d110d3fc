# want: 3:18 CIDR not private | is loopback
cluster "x" {}
network { cidr = "127.0.0.0/8" }
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
