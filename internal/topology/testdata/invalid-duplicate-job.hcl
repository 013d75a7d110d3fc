# want: 7:5 Duplicate job
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
job "web" { file = "a.hcl" }
job "web" { file = "b.hcl" }
