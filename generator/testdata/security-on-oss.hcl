# The last open-source releases, which the end-to-end tests run: Consul
# before 1.17 answers DNS with the anonymous token (no acl.tokens.dns),
# before 1.14 serves TLS gRPC on ports.grpc and leaves Connect off, and
# Nomad 1.6 has no server.client_introduction.
cluster "secure-oss" {}
provider "docker" {}
versions {
  consul = "1.13.9"
  nomad  = "1.6.1"
}
server "nomad-server" {
  count = 1
}
client "nomad-client" {
  count = 1
}
security {
  gossip_encryption = true
  tls               = true
  acl               = true
}
