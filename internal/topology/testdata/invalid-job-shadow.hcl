# want: 7:10 Not a job file | is not a Nomad job file
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
job "shadow" {
  file = "/etc/shadow"
}
