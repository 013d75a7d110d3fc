# want: 1:1 Missing provider block
# want: 1:1 Missing server block
# want: 1:1 Missing client block
cluster "x" {}
