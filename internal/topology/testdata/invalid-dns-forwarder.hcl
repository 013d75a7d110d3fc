# want: 6:19 Unknown DNS forwarder
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
dns { forwarder = "bind9" }
