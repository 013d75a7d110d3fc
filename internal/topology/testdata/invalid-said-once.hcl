# want: 12:8 Group name too long
# want: 13:8 Duplicate group name
# want: 12:84 Unknown driver
# want: 12:95 Duplicate driver
# want: 15:18 Cluster port in extra_ports
# want: 15:30 Duplicate port
# want: 17:5 Invalid job name
# want: 18:5 Duplicate job
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "a23456789-123456789-123456789-123456789-123456789-123456789-" { drivers = ["dockerr", "dockerr"] }
client "a23456789-123456789-123456789-123456789-123456789-123456789-" { ip_offset = 140 }
firewall {
  extra_ports = ["4647/tcp", "4647/tcp"]
}
job "../../x" { file = "jobs/web.nomad.hcl" }
job "../../x" { file = "jobs/web.nomad.hcl" }
