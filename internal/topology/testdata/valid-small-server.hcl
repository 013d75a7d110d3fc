# warn: 5:12 Little memory for a server
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {
  memory = 384
}
client "nomad-client" {}
