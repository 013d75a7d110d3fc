# want: 6:5 Invalid job name | letters, digits, '-', '_' and '.'
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
job "../../x" {
  file = "jobs/web.nomad.hcl"
}
