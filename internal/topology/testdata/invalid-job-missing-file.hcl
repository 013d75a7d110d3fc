# want: 6:1 Missing job file
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
job "web" {}
