# want: 3:10 Unknown provider
cluster "x" {}
provider "Vmware Desktop" {}
server "nomad-server" {}
client "nomad-client" {}
