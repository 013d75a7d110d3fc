# cadvisor: container resource usage for every client (system job), from
# Google's image, published on ghcr.io since v0.54.0 (the first release that
# reads Docker's containerd image store, Docker 29's default). Reads the node through read-only host volumes, which the
# clients' docker plugin allows (plugin "docker" { config { volumes {
# enabled = true } } }). UI and metrics (/metrics for Prometheus) on the
# mapped port; the service is registered in Consul with a health check.

variable "image" {
  type    = string
  default = "ghcr.io/google/cadvisor:v0.54.0"
}

job "cadvisor" {
  type = "system"

  # Current Nomad (2.x) rolls system jobs out with deployments and
  # deprecates stagger; min_healthy_time gates each node instead.
  update {
    max_parallel     = 1
    min_healthy_time = "10s"
  }

  group "cadvisor" {
    # Deregistered from Consul this long before the task is stopped, so
    # clients stop being sent here first (Nomad 2.x warns without it).
    shutdown_delay = "5s"

    network {
      port "http" {
        to = 8080
      }
    }

    service {
      name     = "cadvisor"
      provider = "consul"
      port     = "http"
      tags     = ["metrics"]

      check {
        type     = "http"
        path     = "/healthz"
        interval = "10s"
        timeout  = "2s"
      }
    }

    # After a few failed attempts (an image that cannot be pulled) the
    # allocation is marked failed, so `nomadbox run` reports why.
    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "fail"
    }

    task "cadvisor" {
      driver = "docker"

      config {
        image = var.image
        ports = ["http"]

        volumes = [
          "/:/rootfs:ro",
          "/var/run:/var/run:ro",
          "/sys:/sys:ro",
          "/var/lib/docker/:/var/lib/docker:ro",
        ]

        args = [
          "--docker_only=true",
          "--housekeeping_interval=10s",
        ]
      }

      resources {
        cpu    = 200
        memory = 256
      }
    }
  }
}
