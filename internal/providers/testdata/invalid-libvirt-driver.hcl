# want: 2:31 Invalid libvirt driver
provider "libvirt" { driver = "xen" }
cluster "x" {}
server "nomad-server" {}
client "nomad-client" {}
