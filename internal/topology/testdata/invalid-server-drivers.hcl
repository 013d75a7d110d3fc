# want: 4:25 Unsupported argument
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" { drivers = ["docker"] }
client "nomad-client" {}
