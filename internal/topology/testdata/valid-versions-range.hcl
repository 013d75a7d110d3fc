# warn: 9:12 Unchecked Consul release series
# warn: 10:12 Unchecked Nomad release series
# A major release after the last one checked is a warning: the render
# may still be right. Consul 1.11 is fine without TLS.
cluster "x" {}
provider "virtualbox" {}
versions {
  # consul = "1.11.0" would be fine too.
  consul = "2.0.0"
  nomad  = "3.0.0-beta.1"
}
server "nomad-server" {}
client "nomad-client" {}
