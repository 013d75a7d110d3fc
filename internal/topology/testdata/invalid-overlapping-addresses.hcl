# want: 6:35 Overlapping addresses
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" { count = 3 }
client "nomad-client" { count = 2 }
client "gpu-client" { ip_offset = 102 }
