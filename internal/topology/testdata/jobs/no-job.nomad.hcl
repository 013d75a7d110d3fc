variable "count" {
  type    = number
  default = 2
}
