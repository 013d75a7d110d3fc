#!/usr/bin/env bash
# Install everything `nomadbox up` and every test tier use on a Debian
# machine, from Debian's packages only, check that each of them is really
# there afterwards, and make sure the Docker and libvirt daemons run.
#
# Usage: scripts/deps.sh [--no-daemon] [--check] [--list]
#   --no-daemon  install and check, but start no daemon (Docker, libvirt)
#                (for a container or chroot that cannot run one)
#   --check      install nothing: only check, exit 1 naming what is missing
#   --list       print the Debian packages this script installs and exit
#
# Every package is named here explicitly and installed without its
# Recommends, so that what a machine gets does not depend on apt's
# defaults: vagrant-libvirt, for example, is only a Recommends of vagrant,
# and `vagrant validate` of a libvirt render needs it. Safe to run again:
# it installs only what is missing.
set -euo pipefail

log() { printf 'deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

start_daemon=1 install=1
for arg in "$@"; do
  case $arg in
  --no-daemon) start_daemon=0 ;;
  --check) install=0 ;;
  --list) list=1 ;;
  -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) die "unknown argument '$arg' (see --help)" ;;
  esac
done

# The packages, and why each is here. Keep scripts/deps.sh, the list in
# docs/contributing.md and internal/testtools (what the tests require) in step.
packages=(
  vagrant                # up: machines; tier 2: vagrant validate
  vagrant-libvirt        # tier 2: vagrant validate of libvirt renders (only a Recommends of vagrant)
  ansible-core           # up: the one Ansible run; tier 2: --syntax-check
  ansible-lint           # tier 2
  docker.io              # the docker provider: dockerd and the docker CLI
  debootstrap            # box build: the node image's root file system
  debian-archive-keyring # debootstrap checks the release it fetches with it
  dnsutils               # dig, in the e2e DNS checks
  busybox-static         # e2e: a docker image built on this machine
  openssh-client         # ssh to nodes (nomadbox ssh, verify's DNS check, Ansible)
  curl                   # scripts/up.sh: is the internet reachable?
  ca-certificates
  git                    # bench --baseline: a worktree of the baseline commit
  gcc                    # Nomad's exec driver is cgo: building Nomad needs a C compiler
  libc6-dev              # ... and the static C library
  tar                    # box build
  util-linux             # flock: concurrent binary builds share one lock
  cpio                   # tier 2: the KVM probe's initrd is read back with GNU cpio
  libvirt-daemon-system  # the libvirt provider: libvirtd, virtlogd and their configuration
  libvirt-clients        # virsh: detection, preflight, what destroy left
  qemu-system-x86        # the libvirt provider's machines (qemu-system-x86_64, kvm or emulated)
  qemu-utils             # box build --provider libvirt: qemu-img makes the qcow2 disk
  dnsmasq-base           # libvirt's networks hand out addresses with it (only a Recommends)
  linux-image-cloud-amd64 # the KVM probe boots it (/boot may hold no kernel at all)
)

if [[ ${list:-0} == 1 ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -gt 0 && $install == 1 ]]; then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  log "installing ${missing[*]} from Debian's packages"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
fi

# What the tools must provide once installed: a command (or a file, or a
# Vagrant plugin) and the package to install when it is missing.
problems=()
need_command() { command -v "$1" >/dev/null 2>&1 || problems+=("command '$1' (package $2)"); }
need_file() { [[ -e $1 ]] || problems+=("file $1 (package $2)"); }
for p in "${packages[@]}"; do
  installed "$p" || problems+=("package $p")
done
need_command vagrant vagrant
need_command ansible-playbook ansible-core
need_command ansible-lint ansible-lint
need_command docker docker.io
need_command dockerd docker.io
need_command debootstrap debootstrap
need_file /usr/share/keyrings/debian-archive-keyring.gpg debian-archive-keyring
need_command dig dnsutils
need_command busybox busybox-static
need_command ssh openssh-client
need_command curl curl
need_command git git
need_command gcc gcc
need_command tar tar
need_command flock util-linux
need_command cpio cpio
need_command libvirtd libvirt-daemon-system
need_command virtlogd libvirt-daemon-system
need_command virsh libvirt-clients
need_command qemu-system-x86_64 qemu-system-x86
need_command qemu-img qemu-utils
need_command dnsmasq dnsmasq-base
compgen -G '/boot/vmlinuz-*' >/dev/null || problems+=("file /boot/vmlinuz-* (package linux-image-cloud-amd64)")
if command -v gcc >/dev/null 2>&1; then
  libc=$(gcc -print-file-name=libc.a)
  [[ $libc == /* ]] || libc=/nonexistent/libc.a
  need_file "$libc" libc6-dev
fi
if command -v vagrant >/dev/null 2>&1; then
  plugins=$(vagrant plugin list 2>&1) || true
  grep -q '^vagrant-libvirt ' <<<"$plugins" ||
    problems+=("Vagrant plugin vagrant-libvirt (package vagrant-libvirt; \`vagrant plugin list\` said: ${plugins//$'\n'/ })")
fi
if [[ ${#problems[@]} -gt 0 ]]; then
  for p in "${problems[@]}"; do log "missing: $p"; done
  die "install the packages named above (apt-get install -y --no-install-recommends PACKAGE), or run scripts/deps.sh without --check"
fi

# start_libvirt starts virtlogd and libvirtd the way dockerd is started
# below, and waits for libvirtd's socket. Neither the `default` network
# nor a storage pool is made here: vagrant-libvirt makes its own
# management network, nomadbox's Vagrantfile one private network per
# cluster, and the box's volumes go to the `default` pool, which
# vagrant-libvirt creates when it is missing.
start_libvirt() {
  virsh -c qemu:///system version >/dev/null 2>&1 && return 0
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    log "starting libvirtd.service"
    systemctl start virtlogd.service libvirtd.service
  else
    log "starting virtlogd and libvirtd (log: /var/log/nomadbox-libvirtd.log)"
    pgrep -x virtlogd >/dev/null || virtlogd -d
    nohup libvirtd >/var/log/nomadbox-libvirtd.log 2>&1 &
  fi
  for _ in $(seq 1 30); do
    virsh -c qemu:///system version >/dev/null 2>&1 && return 0
    sleep 1
  done
  die "libvirtd did not start; see /var/log/nomadbox-libvirtd.log"
}

if [[ $start_daemon == 1 ]]; then
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
    docker info >/dev/null 2>&1 || die "the Docker daemon did not start; see /var/log/nomadbox-dockerd.log"
  fi
  start_libvirt
  daemon="docker $(docker version --format '{{.Server.Version}}'), libvirt $(virsh -c qemu:///system version --daemon | sed -n 's/^Running against daemon: *//p')"
else
  daemon="no daemon started (--no-daemon)"
fi
version() { dpkg-query -W -f='${Version}' "$1"; }
log "ok: vagrant $(version vagrant) with vagrant-libvirt $(version vagrant-libvirt), ansible-core $(version ansible-core), docker.io $(version docker.io), qemu $(version qemu-system-x86); $daemon"
