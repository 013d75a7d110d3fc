# want: 5:44 Duplicate driver
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" { drivers = ["exec", "exec"] }
