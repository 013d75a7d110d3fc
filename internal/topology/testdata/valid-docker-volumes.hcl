# docker_volumes: on for a group with the default drivers (docker), off
# for a group without docker, where false is harmless.
cluster "vols" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {
  docker_volumes = true
}
client "raw" {
  drivers        = ["raw_exec"]
  docker_volumes = false
}
