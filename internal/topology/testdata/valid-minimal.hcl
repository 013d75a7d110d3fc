cluster "mini" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
