# want: 7:10 Not a job file | resolves to /etc/passwd
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
job "passwd" {
  file = "jobs/passwd.nomad.hcl"
}
