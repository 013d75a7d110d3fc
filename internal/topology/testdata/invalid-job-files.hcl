# want: 12:5 Job ID does not match | has the ID "web"
# want: 16:10 Several jobs in one job file
# want: 19:10 No job in job file
# want: 22:10 Not a job file | sets "region"
# want: 22:10 Not a job file | has a "resource" block
# want: 25:5 Job ID does not match | has the ID "own-id"
# want: 29:10 File not found
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {}
job "api" {
  file = "jobs/web.nomad.hcl"
}
job "one" {
  file = "jobs/two-jobs.nomad.hcl"
}
job "none" {
  file = "jobs/no-job.nomad.hcl"
}
job "stray" {
  file = "jobs/stray.nomad.hcl"
}
job "own-id" { file = "jobs/own-id.nomad.hcl" }
job "label" {
  file = "jobs/own-id.nomad.hcl"
}
job "missing" {
  file = "jobs/missing.nomad.hcl"
}
