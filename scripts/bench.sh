#!/usr/bin/env bash
# Benchmark of `nomadbox up` on the docker provider: seconds per phase
# (render, preflight, machines, provision, verify) for 1+2 and 1+5 nodes,
# warm (node image and binaries cached) and cold (node image rebuilt from
# debootstrap), and for a no-op second `up`. Prints figures; asserts
# nothing. Takes 15-25 minutes on 2 cores. BENCH_CLIENTS (default "2 5")
# and BENCH_RUNS (default "warm cold") pick a subset.
set -euo pipefail
nomadbox=${1:?usage: scripts/bench.sh PATH-TO-NOMADBOX}
eval "$("$(dirname "$0")/hashicorp-binaries.sh")"
consul_version=$("$CONSUL_BIN" version | sed -n '1s/^Consul v//p')
nomad_version=$("$NOMAD_BIN" version | sed -n '1s/^Nomad v//p')
work=$(mktemp -d)
trap 'cd "$work/bench" 2>/dev/null && "$nomadbox" destroy --force >/dev/null 2>&1; rm -rf "$work"' EXIT

results=()
run_up() { # label
  local out
  out=$("$nomadbox" up 2>&1) || { echo "$out" | tail -30 >&2; exit 1; }
  local line
  line=$(echo "$out" | grep '^timings:' | tail -1)
  results+=("$(printf '%-28s %s' "$1" "${line#timings: }")")
  echo "$1: ${line#timings: }" >&2
}

for clients in ${BENCH_CLIENTS:-2 5}; do
  for temp in ${BENCH_RUNS:-warm cold}; do
    mkdir -p "$work/bench" && cd "$work/bench"
    "$nomadbox" destroy --force >/dev/null 2>&1 || true
    rm -f topology.hcl
    "$nomadbox" init --provider docker --name bench --cidr 192.168.190.0/24 --clients "$clients" \
      --install local --consul-binary "$CONSUL_BIN" --nomad-binary "$NOMAD_BIN" \
      --consul-version "$consul_version" --nomad-version "$nomad_version" --docker-package docker.io >/dev/null
    sed -i '/^job "fabio" {/,/^}/d' topology.hcl
    if [ "$temp" = cold ]; then
      docker rmi -f nomadbox/node:bookworm nomadbox/base:bookworm >/dev/null 2>&1 || true
      rm -rf "${XDG_CACHE_HOME:-$HOME/.cache}/nomadbox/rootfs"
    fi
    run_up "1+$clients $temp"
    run_up "1+$clients no-op second up"
    "$nomadbox" destroy --force >/dev/null
  done
done

echo
echo "nomadbox up, seconds per phase (docker provider, $(nproc) cores):"
printf '%s\n' "${results[@]}"
