# tomcat: Apache Tomcat serving the sample web application from the Tomcat
# documentation, fetched as an artifact and mounted into webapps/, where
# Tomcat deploys it at /sample/. Registered in Consul with an HTTP check;
# fabio routes http://<any node>:9999/sample to it.

variable "image" {
  type    = string
  default = "tomcat:10.1-jre17"
}

variable "war_url" {
  type    = string
  default = "https://tomcat.apache.org/tomcat-10.1-doc/appdev/sample/sample.war"
}

job "tomcat" {
  type = "service"

  update {
    max_parallel      = 1
    min_healthy_time  = "10s"
    healthy_deadline  = "5m"
    progress_deadline = "10m"
    auto_revert       = true
  }

  group "tomcat" {
    count = 1

    # Deregistered from Consul this long before the task is stopped, so
    # clients stop being sent here first (Nomad 2.x warns without it).
    shutdown_delay = "5s"

    network {
      port "http" {
        to = 8080
      }
    }

    restart {
      attempts = 2
      interval = "5m"
      delay    = "15s"
      mode     = "fail"
    }

    reschedule {
      delay          = "30s"
      delay_function = "exponential"
      max_delay      = "5m"
      unlimited      = true
    }

    service {
      name     = "tomcat"
      provider = "consul"
      port     = "http"
      tags     = ["urlprefix-/sample"]

      check {
        type     = "http"
        path     = "/sample/"
        interval = "10s"
        timeout  = "3s"
      }
    }

    task "tomcat" {
      driver = "docker"

      artifact {
        source      = var.war_url
        destination = "local/sample.war"
        mode        = "file"
      }

      config {
        image = var.image
        ports = ["http"]

        # A path relative to the task directory: needs no host volumes.
        mount {
          type     = "bind"
          source   = "local/sample.war"
          target   = "/usr/local/tomcat/webapps/sample.war"
          readonly = true
        }
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
