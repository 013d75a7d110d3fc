# want: 8:18 Invalid port | "8080"
# want: 8:26 Invalid port | "9000-8000/tcp"
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
firewall {
  extra_ports = ["8080", "9000-8000/tcp"]
}
