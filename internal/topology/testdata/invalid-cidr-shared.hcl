# want: 3:18 CIDR not private | shared address space
cluster "x" {}
network { cidr = "100.64.0.0/10" }
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
