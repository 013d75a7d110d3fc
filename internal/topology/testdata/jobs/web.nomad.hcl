# web: an HTTP server that needs no registry and no internet. Each
# allocation serves a page naming its allocation ID with python3's
# http.server (present on every node for Ansible), so clusters without
# network access can still run, scale and reschedule a real service.

variable "count" {
  type    = number
  default = 2
}

job "web" {
  type = "service"

  update {
    max_parallel     = 1
    min_healthy_time = "5s"
    healthy_deadline = "2m"
    auto_revert      = true
  }

  group "web" {
    count = var.count

    # Deregistered from Consul this long before the task is stopped, so
    # clients stop being sent here first (Nomad 2.x warns without it).
    shutdown_delay = "5s"

    network {
      port "http" {}
    }

    # Prefer spreading the instances over the clients; when one is lost,
    # its allocations are rescheduled onto the others.
    spread {
      attribute = "${node.unique.id}"
    }

    reschedule {
      delay          = "5s"
      delay_function = "constant"
      unlimited      = true
    }

    service {
      name     = "web"
      provider = "consul"
      port     = "http"
      tags     = ["urlprefix-/web"]

      check {
        type     = "http"
        path     = "/"
        interval = "5s"
        timeout  = "2s"
      }
    }

    task "web" {
      driver = "raw_exec"

      template {
        destination = "local/www/index.html"
        data        = "{{ env \"NOMAD_ALLOC_ID\" }}\n"
      }

      config {
        command = "/usr/bin/python3"
        args    = ["-m", "http.server", "${NOMAD_PORT_http}", "--bind", "${NOMAD_IP_http}", "--directory", "local/www"]
      }

      resources {
        cpu    = 50
        memory = 64
      }
    }
  }
}
