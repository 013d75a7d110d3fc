# want: 4:31 Unsuitable value type
# want: 5:34 Unsuitable value type
cluster "x" {}
provider "virtualbox" { gui = [true] }
server "nomad-server" { count = "three" }
client "nomad-client" {}
