# fabio: a zero-conf load balancer that routes by the urlprefix- tags of
# Consul services. Runs on every client (system job) with raw_exec, so it
# needs no container image: the binary is fetched from fabio's releases.
# Proxy on :9999, UI on :9998; reach services as
# http://<service>.service.consul:9999/ from any node.
#
# The download is always verified. By default the checksum comes from the
# checksum file fabio publishes beside each release
# (fabio-<version>.sha256, in sha256sum format).
# To pin the digest instead, get it once on a machine with internet:
#
#   curl -sSL https://github.com/fabiolb/fabio/releases/download/v1.7.3/fabio-1.7.3.sha256 \
#     | grep ' fabio-1.7.3-linux_amd64$'
#   # or download the binary and run: sha256sum fabio-1.7.3-linux_amd64
#
# and pass it: nomadbox run --var fabio_sha256=<64 hex digits> jobs/fabio.nomad.hcl
# (or set it as the default below).

variable "fabio_version" {
  type    = string
  default = "1.7.3"
}

# Where releases are downloaded from: fabio's GitHub releases, or a mirror
# with the same layout (v<version>/fabio-<version>-linux_amd64 and
# v<version>/fabio-<version>.sha256) for clusters without internet.
variable "fabio_download_url" {
  type    = string
  default = "https://github.com/fabiolb/fabio/releases/download"
}

variable "fabio_sha256" {
  type        = string
  default     = ""
  description = "sha256 of fabio-<version>-linux_amd64; empty: use the release's checksum file"
}

locals {
  release = "${var.fabio_download_url}/v${var.fabio_version}"
  # go-getter's forms: "sha256:<digest>", or "file:<url>" of a sha256sum
  # file that lists the artifact's file name.
  checksum = var.fabio_sha256 != "" ? "sha256:${var.fabio_sha256}" : "file:${local.release}/fabio-${var.fabio_version}.sha256"
}

job "fabio" {
  type = "system"

  # Current Nomad (2.x) rolls system jobs out with deployments and
  # deprecates stagger; min_healthy_time gates each node instead.
  update {
    max_parallel     = 1
    min_healthy_time = "10s"
  }

  group "fabio" {
    # Deregistered from Consul this long before the task is stopped, so
    # clients stop being sent here first (Nomad 2.x warns without it).
    shutdown_delay = "5s"

    network {
      port "lb" {
        static = 9999
      }
      port "ui" {
        static = 9998
      }
    }

    # The artifact reads its checksum through the task environment: Nomad
    # checks "type:value" checksums when the job is submitted but leaves
    # interpolated ones (like the "file:" form) to the download itself.
    meta {
      fabio_checksum = local.checksum
    }

    service {
      name     = "fabio"
      provider = "consul"
      port     = "lb"
      tags     = ["lb"]
      # Register the client's private address (the interface Nomad
      # fingerprints), not the NAT address every machine shares.
      address_mode = "host"

      check {
        name     = "fabio health"
        type     = "http"
        port     = "ui"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    service {
      name         = "fabio-ui"
      provider     = "consul"
      port         = "ui"
      address_mode = "host"
    }

    # A system job is not rescheduled: an allocation that keeps failing
    # (no binary to download, a checksum that does not match) is marked
    # failed after a few attempts, so `nomadbox run` and `up` report why
    # instead of waiting for it.
    restart {
      attempts = 3
      interval = "5m"
      delay    = "10s"
      mode     = "fail"
    }

    task "fabio" {
      driver = "raw_exec"

      artifact {
        source      = "${local.release}/fabio-${var.fabio_version}-linux_amd64"
        destination = "local/fabio"
        mode        = "file"
        options {
          checksum = "${NOMAD_META_fabio_checksum}"
        }
      }

      config {
        command = "local/fabio"
        args = [
          "-proxy.addr", ":${NOMAD_PORT_lb}",
          "-ui.addr", "${NOMAD_IP_ui}:${NOMAD_PORT_ui}",
          "-registry.consul.addr", "127.0.0.1:8500",
          # Nomad registers fabio (with the private address) above; fabio's
          # own registration would pick the NAT address.
          "-registry.consul.register.enabled=false",
        ]
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
