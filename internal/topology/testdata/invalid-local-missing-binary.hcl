# want: 8:12 Missing nomad_binary
cluster "x" {}
provider "docker" {}
server "nomad-server" {}
client "nomad-client" {}
install {
  consul_binary = "bin/consul"
  method = "local"
}
