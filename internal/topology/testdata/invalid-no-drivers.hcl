# want: 5:35 No task drivers
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" { drivers = [] }
