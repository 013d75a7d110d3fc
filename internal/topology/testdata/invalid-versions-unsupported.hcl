# want: 8:12 Unsupported Consul version
# want: 9:12 Unsupported Nomad version
# Releases older than the keys the agent configuration uses: ui_config
# needs Consul 1.9, the network_interface template Nomad 1.1.
cluster "x" {}
provider "virtualbox" {}
versions {
  consul = "1.2.0"
  nomad  = "0.9.0"
}
server "nomad-server" {}
client "nomad-client" {}
