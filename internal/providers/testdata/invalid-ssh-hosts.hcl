# want: 11:13 Unknown host in ssh provider
# want: 10:11 Invalid SSH port
# want: 11:91 Invalid host address
# want: 11:61 Duplicate host address
# want: 11:153 Duplicate host address
# want: 11:183 Invalid host address
# want: 14:1 Node without a host
cluster "x" {}
provider "ssh" {
  port  = 0
  hosts = { "nomad-server9" = "10.0.0.5", "nomad-server1" = "10.0.0.5", "nomad-client1" = "db.example", "nomad-client2" = "10.0.0.7", "nomad-client3" = "10.0.0.7", "nomad-client4" = "127.0.0.1" }
}
# nomad-server1 sits at the unknown node's address; nomad-server2 has none.
server "nomad-server" {
  count = 2
}
client "nomad-client" {
  count = 4
}
