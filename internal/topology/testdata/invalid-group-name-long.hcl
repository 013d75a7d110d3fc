# want: 5:8 Group name too long
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "a23456789-123456789-123456789-123456789-123456789-123456789-" {}
