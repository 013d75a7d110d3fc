# want: 11:5 Invalid meta key
# want: 12:5 Invalid meta key
# want: 13:5 Invalid meta key
# want: 14:17 Invalid meta value
# want: 15:17 Invalid meta value
cluster "x" {}
provider "virtualbox" {}
server "nomad-server" {}
client "nomad-client" {
  meta = {
    ""        = "empty key"
    "a b"     = "space"
    "hw..gpu" = "empty part"
    "ok"      = "$${x}"
    "ok.too"  = "100%%{x}"
    "hw.gpu"  = "fine"
    rack      = "fine"
  }
}
