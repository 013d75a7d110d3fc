# want: 3:18 CIDR not private | spans more than any private range
cluster "x" {}
network { cidr = "0.0.0.0/0" }
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
