# want: 3:2 Missing newline after block definition
cluster "x" {
}}
