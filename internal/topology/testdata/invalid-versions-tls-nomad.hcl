# want: 7:12 Unsupported Nomad version
# With TLS and Consul 1.14.1 or later nomad.hcl names consul.grpc_ca_file,
# which Nomad 1.4.0 does not know.
cluster "x" {}
provider "virtualbox" {}
versions {
  nomad  = "1.4.0"
  consul = "1.14.1"
}
security {
  tls = true
}
server "nomad-server" {}
client "nomad-client" {}
