region = "global"

resource "aws_instance" "x" {}

job "stray" {
  group "g" {}
}
