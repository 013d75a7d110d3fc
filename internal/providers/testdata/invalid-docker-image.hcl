# want: 4:11 Invalid image reference | contains spaces
cluster "x" {}
provider "docker" {
  image = "UPPER case :: no"
}
server "nomad-server" {}
client "nomad-client" {}
