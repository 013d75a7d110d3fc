job "label" {
  id = "own-id"
  group "g" {}
}
