#!/usr/bin/env bash
# Install what nomadbox's tests and `up` need on a Debian machine, from
# Debian's packages only, and make sure the Docker daemon runs. Safe to
# run again: it only installs what is missing.
set -euo pipefail

log() { printf 'deps: %s\n' "$*" >&2; }

# command -> Debian package providing it
declare -A packages=(
  [vagrant]=vagrant
  [ansible-playbook]=ansible-core
  [ansible-lint]=ansible-lint
  [dockerd]=docker.io
  [debootstrap]=debootstrap
  [dig]=dnsutils
  [busybox]=busybox-static
)

missing=()
for cmd in "${!packages[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=sudo
  else
    sudo_cmd=
  fi
  log "installing ${missing[*]} from Debian's packages"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The Docker daemon is not started on a fresh machine of this kind (no
# init system runs services): start it and wait for its socket.
if ! docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    log "starting docker.service"
    systemctl start docker
  else
    log "starting dockerd (log: /var/log/nomadbox-dockerd.log)"
    nohup dockerd >/var/log/nomadbox-dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { log "error: the Docker daemon did not start; see /var/log/nomadbox-dockerd.log"; exit 1; }
fi
log "ok: vagrant $(vagrant --version 2>/dev/null | awk '{print $2}'), $(ansible-playbook --version | head -1), docker $(docker version --format '{{.Server.Version}}')"
