# want: 6:11 Unknown host in ssh provider
# want: 5:11 Invalid SSH port
cluster "x" {}
provider "ssh" {
  port  = 0
  hosts = { "nomad-server9" = "10.0.0.5" }
}
server "nomad-server" {}
client "nomad-client" {}
