# fabio: a zero-conf load balancer that routes by the urlprefix- tags of
# Consul services. Runs on every client (system job) with raw_exec, so it
# needs no container image: the binary is fetched from fabio's releases.
# Proxy on :9999, UI on :9998; reach services as
# http://<service>.service.consul:9999/ from any node.

variable "fabio_version" {
  type    = string
  default = "1.6.3"
}

job "fabio" {
  type = "system"

  group "fabio" {
    network {
      port "lb" {
        static = 9999
      }
      port "ui" {
        static = 9998
      }
    }

    service {
      name     = "fabio"
      provider = "consul"
      port     = "lb"
      # Register the client's private address (the interface Nomad
      # fingerprints), not the NAT address every machine shares.
      address_mode = "host"

      check {
        type     = "http"
        port     = "ui"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "10s"
      mode     = "delay"
    }

    task "fabio" {
      driver = "raw_exec"

      artifact {
        source      = "https://github.com/fabiolb/fabio/releases/download/v${var.fabio_version}/fabio-${var.fabio_version}-linux_amd64"
        destination = "local/fabio"
        mode        = "file"
      }

      config {
        command = "local/fabio"
        args = [
          "-proxy.addr", ":${NOMAD_PORT_lb}",
          "-ui.addr", ":${NOMAD_PORT_ui}",
          "-registry.consul.addr", "127.0.0.1:8500",
        ]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
