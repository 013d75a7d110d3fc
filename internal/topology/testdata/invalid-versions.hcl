# want: 6:12 Invalid version
# want: 7:12 Invalid version
cluster "x" {}
provider "virtualbox" {}
versions {
  consul = "v1.22"
  nomad  = "latest"
}
server "nomad-server" {}
client "nomad-client" {}
