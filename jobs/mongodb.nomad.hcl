# mongodb: a single MongoDB 7 instance. The port the service registers is
# the port the group declares ("db", mapped to 27017 in the container);
# Consul checks it over TCP. Data lives in the allocation and goes away
# with it: this is a sandbox, not a database deployment.

variable "image" {
  type    = string
  default = "mongo:7"
}

job "mongodb" {
  type = "service"

  update {
    max_parallel     = 1
    min_healthy_time = "10s"
    healthy_deadline = "3m"
    auto_revert      = true
  }

  group "mongodb" {
    count = 1

    # Deregistered from Consul this long before the task is stopped, so
    # clients stop being sent here first (Nomad 2.x warns without it).
    shutdown_delay = "5s"

    network {
      port "db" {
        to = 27017
      }
    }

    restart {
      attempts = 2
      interval = "5m"
      delay    = "15s"
      mode     = "fail"
    }

    service {
      name     = "mongodb"
      provider = "consul"
      port     = "db"

      check {
        type     = "tcp"
        port     = "db"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "mongodb" {
      driver = "docker"

      config {
        image = var.image
        ports = ["db"]
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
