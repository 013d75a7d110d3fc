# want: 9:20 docker_volumes without the docker driver
# want: 11:25 Unsupported argument
# want: 14:21 Unsuitable value type
cluster "x" {}
provider "virtualbox" {}
client "raw" {
  count          = 1
  drivers        = ["raw_exec"]
  docker_volumes = true
}
server "nomad-server" { docker_volumes = true }
client "typo" {
  drivers        = ["docker"]
  docker_volumes = "yes please"
}
