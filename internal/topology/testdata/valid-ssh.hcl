cluster "metal" {}
provider "ssh" {
  user  = "admin"
  port  = 2222
  hosts = { "nomad-server1" = "10.0.0.5", "nomad-client1" = "10.0.1.9" }
}
network {
  cidr = "10.0.0.0/24"
}
server "nomad-server" {}
client "nomad-client" {}
