# want: 7:18 Invalid CIDR
# want: 8:33 Invalid count
# want: 9:36 Unknown driver
# want: 10:20 Invalid version
cluster "x" {}
provider "virtualbox" {}
network { cidr = "not-a-cidr" }
server "nomad-server" { count = 0 }
client "nomad-client" { drivers = ["dockerr"] }
versions { nomad = "2" }
