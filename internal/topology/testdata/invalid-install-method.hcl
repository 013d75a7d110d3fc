# want: 4:12 Unknown install method
# want: 5:12 Unknown Docker package
install {
  method = "brew"
  docker = "moby"
}
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
