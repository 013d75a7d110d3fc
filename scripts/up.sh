#!/usr/bin/env bash
# The README's first command: bring up the default cluster from this
# folder's topology.hcl. With no topology.hcl, one is written with
# `nomadbox init`; when HashiCorp's release site or Docker's apt
# repository cannot be reached, the topology installs Consul and Nomad
# built from the Go module proxy (the last open-source releases) and
# Debian's docker.io instead, and says so. An existing topology.hcl is
# used as written.
set -euo pipefail
nomadbox=${1:?usage: scripts/up.sh PATH-TO-NOMADBOX}
here=$(cd "$(dirname "$0")/.." && pwd)

reachable() { curl -fsI --max-time 5 "$1" >/dev/null 2>&1; }

if [ ! -f topology.hcl ]; then
  if reachable https://releases.hashicorp.com/ && reachable https://download.docker.com/; then
    "$nomadbox" init
  else
    echo "up: the HashiCorp release site or Docker's apt repository cannot be reached from here." >&2
    echo "up: building Consul and Nomad from the Go module proxy (the last open-source releases) and" >&2
    echo "up: writing a topology that copies them to the nodes, with Debian's docker.io, and deploys" >&2
    echo "up: the web job (fabio's binary would have to come from the internet)." >&2
    eval "$("$here/scripts/hashicorp-binaries.sh")"
    consul_version=$("$CONSUL_BIN" version | sed -n '1s/^Consul v//p')
    nomad_version=$("$NOMAD_BIN" version | sed -n '1s/^Nomad v//p')
    "$nomadbox" init --install local --consul-binary "$CONSUL_BIN" --nomad-binary "$NOMAD_BIN" \
      --consul-version "$consul_version" --nomad-version "$nomad_version" --docker-package docker.io \
      --jobs web
  fi
fi
exec "$nomadbox" up
