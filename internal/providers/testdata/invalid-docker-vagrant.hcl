# want: 2:31 Unsuitable value type
provider "docker" { vagrant = ["yes"] }
cluster "x" {}
server "nomad-server" {}
client "nomad-client" {}
