# warn: 5:11 Even number of servers
cluster "even" {}
provider "virtualbox" {}
server "nomad-server" {
  count = 2
}
client "nomad-client" {}
