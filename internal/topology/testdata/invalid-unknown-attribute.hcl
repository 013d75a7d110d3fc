# want: 5:3 Unsupported argument
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {
  cuont = 3
}
client "nomad-client" {}
