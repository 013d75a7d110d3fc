# want: 3:18 CIDR not private | is link-local
cluster "x" {}
network { cidr = "169.254.0.0/16" }
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
