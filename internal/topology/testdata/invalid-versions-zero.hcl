# want: 6:12 Unsupported Consul version
# want: 7:12 Unsupported Nomad version
cluster "x" {}
provider "virtualbox" {}
versions {
  consul = "0.0.0"
  nomad  = "0.0.0"
}
server "nomad-server" {}
client "nomad-client" {}
