# want: 8:12 Unsupported Consul version
# Consul 1.11 knows ui_config but not the tls block that TLS writes.
cluster "x" {}
provider "virtualbox" {}
versions {
  # The oldest Nomad supported: no diagnostic.
  nomad  = "1.1.0"
  consul = "1.11.9"
}
security {
  tls = true
}
server "nomad-server" {}
client "nomad-client" {}
