# want: 4:11 Invalid image reference | must be lower-case
cluster "x" {}
provider "docker" {
  image = "Nomadbox/Node:bookworm"
}
server "nomad-server" {}
client "nomad-client" {}
