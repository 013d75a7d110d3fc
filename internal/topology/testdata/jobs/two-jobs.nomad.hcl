job "one" {
  group "g" {}
}

job "two" {
  group "g" {}
}
