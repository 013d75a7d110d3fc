# microbot: a small web page behind fabio. Two instances on dynamic ports,
# registered in Consul with an HTTP check and the tag fabio routes by:
# http://microbot.service.consul:9999/ reaches them through fabio on any
# node.
#
# Without a registry, build or import an image on this machine, copy it
# into the clients and run that one (the docker driver uses a local image
# and does not pull it):
#   nomadbox load nomadbox/microbot:test
#   nomadbox run --var image=nomadbox/microbot:test jobs/microbot.nomad.hcl

variable "image" {
  type    = string
  default = "dontrise/microbot:latest"
}

variable "count" {
  type    = number
  default = 2
}

job "microbot" {
  type = "service"

  update {
    max_parallel      = 1
    min_healthy_time  = "5s"
    healthy_deadline  = "2m"
    progress_deadline = "5m"
    auto_revert       = true
  }

  group "microbot" {
    count = var.count

    # Deregistered from Consul this long before the task is stopped, so
    # clients stop being sent here first (Nomad 2.x warns without it).
    shutdown_delay = "5s"

    network {
      port "http" {
        to = 80
      }
    }

    # Spread the instances over the clients.
    spread {
      attribute = "${node.unique.id}"
    }

    restart {
      attempts = 2
      interval = "1m"
      delay    = "5s"
      mode     = "fail"
    }

    reschedule {
      delay          = "10s"
      delay_function = "exponential"
      max_delay      = "2m"
      unlimited      = true
    }

    service {
      name     = "microbot"
      provider = "consul"
      port     = "http"
      tags     = ["urlprefix-microbot.service.consul:9999/"]

      check {
        type     = "http"
        path     = "/"
        interval = "5s"
        timeout  = "2s"
      }
    }

    task "microbot" {
      driver = "docker"

      config {
        image      = var.image
        ports      = ["http"]
        force_pull = false
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
