# want: 13:5 Cluster port in extra_ports | Nomad's HTTP API, RPC and Serf ports
# want: 14:5 Cluster port in extra_ports | Consul's server RPC and Serf ports
# want: 15:5 Cluster port in extra_ports | Consul's Serf ports (8301-8302)
# want: 16:5 Cluster port in extra_ports | Nomad's HTTP API, RPC and Serf ports (4646-4648) and Consul's server RPC
# want: 17:5 Cluster port in extra_ports | Consul's HTTP, HTTPS and gRPC ports
# want: 18:5 Cluster port in extra_ports | Consul's DNS port
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  extra_ports = [
    "4647/tcp",
    "8300/tcp",
    "8301/udp",
    "4000-9000/tcp",
    "8503/tcp",
    "8600/udp",
    "4647/udp",
    "8080/tcp",
    "9000-9100/udp",
  ]
}
