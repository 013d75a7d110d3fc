# Binaries copied from this machine; also the old release family
# without TLS (plaintext gRPC on ports.grpc).
cluster "airgap" {}
provider "docker" {
  image = "nomadbox/node:bookworm"
}
network {
  cidr = "172.30.56.0/24"
}
install {
  method        = "local"
  consul_binary = "/opt/cache/consul-1.13.9/consul"
  nomad_binary  = "/opt/cache/nomad-1.6.1/nomad"
  docker        = "docker.io"
}
versions {
  consul = "1.13.9"
  nomad  = "1.6.1"
}
server "nomad-server" {}
client "nomad-client" {
  count = 2
  # web, the example job that needs no registry, runs on raw_exec.
  drivers = ["docker", "raw_exec"]
}
