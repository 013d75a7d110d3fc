# want: 5:34 Unsuitable value type
# The provider block's own type errors: internal/providers/testdata.
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" { count = "three" }
client "nomad-client" {}
