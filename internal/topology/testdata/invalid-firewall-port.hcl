# want: 8:17 Invalid port
# want: 8:17 Invalid port
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  extra_ports = ["8080", "9000-8000/tcp"]
}
