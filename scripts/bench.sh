#!/usr/bin/env bash
# Benchmark of `nomadbox up` on the docker provider (or libvirt's virtual
# machines, BENCH_PROVIDER=libvirt): seconds per phase
# (render, preflight, machines, provision, verify, total) for 1+2 and 1+5
# nodes, warm (node image and binaries cached) and optionally cold (node
# image rebuilt from debootstrap), and for a no-op second `up`; plus the
# CPU seconds (user+sys of the whole machine) of the provision phase, per
# node. Prints figures; asserts nothing.
#
# Usage: scripts/bench.sh [--baseline REV] PATH-TO-NOMADBOX
#   --baseline REV  also build REV (a commit, tag or branch) in a git
#                   worktree and run the same matrix with it, alternating
#                   with PATH-TO-NOMADBOX run by run, then print every
#                   figure as new/baseline ratios. Each build gets its own
#                   node image (the baseline's is nomadbox/node:bench-baseline),
#                   so neither rebuilds the other's.
# Environment:
#   BENCH_CLIENTS  client counts (default "2 5")
#   BENCH_RUNS     "warm" and/or "cold" (default "warm")
#   BENCH_REPEAT   runs per build and case, averaged (default 1)
#   BENCH_PROVIDER docker (default) or libvirt: machines of one vCPU and
#                  1.5 GiB each, from nomadbox's box (built first, so
#                  warm only; both builds share it)
#   BENCH_TASKS    1: also print what each Ansible task of the new build's
#                  first up per case cost (Ansible's junit callback, on for
#                  both builds so that the ratios stay fair;
#                  scripts/task-costs.py reads its files)
set -euo pipefail

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

baseline_rev=
while [[ $# -gt 0 ]]; do
  case $1 in
  --baseline) baseline_rev=${2:?--baseline needs a revision}; shift 2 ;;
  --baseline=*) baseline_rev=${1#*=}; shift ;;
  -h | --help) sed -n '2,27s/^# \{0,1\}//p' "$0"; exit 0 ;;
  -*) die "unknown flag $1" ;;
  *) break ;;
  esac
done
new_bin=$(realpath "${1:?usage: scripts/bench.sh [--baseline REV] PATH-TO-NOMADBOX}")
repo=$(cd "$(dirname "$0")/.." && pwd)

eval "$("$repo/scripts/hashicorp-binaries.sh")"
consul_version=$("$CONSUL_BIN" version | sed -n '1s/^Consul v//p')
nomad_version=$("$NOMAD_BIN" version | sed -n '1s/^Nomad v//p')
work=$(mktemp -d)

builds=(new)
declare -A bin=([new]=$new_bin) image=([new]=nomadbox/node:bookworm)
if [[ -n $baseline_rev ]]; then
  rev=$(git -C "$repo" rev-parse --verify "$baseline_rev^{commit}") || die "no commit $baseline_rev"
  log "building the baseline $baseline_rev ($rev) in a worktree"
  git -C "$repo" worktree add --detach "$work/baseline-src" "$rev" >/dev/null 2>&1 ||
    die "git worktree add $rev failed"
  (cd "$work/baseline-src" && GOFLAGS=-buildvcs=false go build -o "$work/baseline-nomadbox" ./cmd/nomadbox) ||
    die "building $baseline_rev failed"
  builds+=(baseline)
  bin[baseline]=$work/baseline-nomadbox
  image[baseline]=nomadbox/node:bench-baseline
fi

cleanup() {
  for b in "${builds[@]}"; do
    [[ -d $work/$b ]] && (cd "$work/$b" && "${bin[$b]}" destroy --force >/dev/null 2>&1) || true
  done
  [[ -z $baseline_rev ]] || git -C "$repo" worktree remove --force "$work/baseline-src" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

clk=$(getconf CLK_TCK)

# sample FILE: until FILE.stop exists, appends "seconds busy-jiffies" of the
# whole machine (user, nice, system, irq, softirq) to FILE every 0.1 s.
# Builtins only but sleep: a sampler that forked pgrep every 0.1 s cost 12%
# of a core on an idle machine and more while a cluster ran, in the very
# CPU it measured.
sample() {
  local file=$1 cpu user nice sys idle iowait irq softirq rest
  : >"$file"
  while [[ ! -e $file.stop ]]; do
    read -r cpu user nice sys idle iowait irq softirq rest </proc/stat
    printf '%s %s\n' "$EPOCHREALTIME" $((user + nice + sys + irq + softirq)) >>"$file"
    sleep 0.1
  done
}

# cpu_between FILE FROM TO: the busy CPU seconds in FILE's samples from
# FROM to TO (epoch seconds), the first sample at or after FROM to the last
# at or before TO.
cpu_between() {
  awk -v from="$2" -v to="$3" -v c="$clk" '
    $1 >= from && first == "" { first = $2 }
    $1 <= to { last = $2 }
    END { printf "%.1f\n", (first == "" || last == "" || last < first) ? 0 : (last - first) / c }' "$1"
}

# rows: "case|build|render|preflight|machines|provision|verify|total|cpu_per_node"
rows=()
run_up() { # case build nodes
  local case=$1 b=$2 nodes=$3 out line cpu start
  rm -f "$work/cpu" "$work/cpu.stop"
  sample "$work/cpu" &
  local sampler=$!
  start=$EPOCHREALTIME
  out=$(cd "$work/$b" && "${bin[$b]}" up 2>&1) || { echo "$out" | tail -30 >&2; die "$b: up failed ($case)"; }
  touch "$work/cpu.stop"
  wait "$sampler" || true
  line=$(grep '^timings:' <<<"$out" | tail -1)
  line=${line#timings: }
  local f=() k
  for k in render preflight machines provision verify total; do
    f+=("$(sed -n "s/.*\\b$k=\\([0-9.]*\\)s.*/\\1/p" <<<"$line")")
  done
  # The phases follow each other: provision starts after render,
  # preflight and machines.
  local from to
  from=$(awk -v s="$start" -v a="${f[0]}" -v b="${f[1]}" -v c="${f[2]}" 'BEGIN { printf "%.3f", s + a + b + c }')
  to=$(awk -v s="$from" -v d="${f[3]}" 'BEGIN { printf "%.3f", s + d }')
  cpu=$(cpu_between "$work/cpu" "$from" "$to")
  local per_node
  per_node=$(awk -v c="$cpu" -v n="$nodes" 'BEGIN { printf "%.1f", c / n }')
  rows+=("$case|$b|$(IFS='|'; echo "${f[*]}")|$per_node")
  log "$(printf '%-24s %-8s %s cpu/node=%ss' "$case" "$b" "$line" "$per_node")"
}

provider=${BENCH_PROVIDER:-docker}
case $provider in
docker) ;;
libvirt) [[ ${BENCH_RUNS:-warm} == warm ]] || die "BENCH_PROVIDER=libvirt runs warm only" ;;
*) die "BENCH_PROVIDER must be docker or libvirt, not $provider" ;;
esac

new_cluster() { # build clients temp
  local b=$1 clients=$2 temp=$3
  mkdir -p "$work/$b"
  cd "$work/$b"
  "${bin[$b]}" destroy --force >/dev/null 2>&1 || true
  rm -rf topology.hcl jobs .nomadbox
  "${bin[$b]}" init --provider "$provider" --name "bench-$b" --cidr 192.168.190.0/24 --clients "$clients" \
    --install local --consul-binary "$CONSUL_BIN" --nomad-binary "$NOMAD_BIN" \
    --consul-version "$consul_version" --nomad-version "$nomad_version" --docker-package docker.io \
    --jobs "" >/dev/null
  if [[ $provider == libvirt ]]; then
    # Emulated or not, two cores share every machine's vCPUs.
    sed -i 's/^\(\s*memory\s*=\s*\)2048/\11536/; s/^\(\s*cpus\s*=\s*\)2/\11/' topology.hcl
    "${bin[$b]}" box build --provider libvirt >/dev/null
    cd - >/dev/null
    return
  fi
  # Each build its own node image.
  if grep -q '^\s*image\s*=' topology.hcl; then
    sed -i "s|^\(\s*image\s*=\s*\)\"[^\"]*\"|\1\"${image[$b]}\"|" topology.hcl
  else
    sed -i "s|^provider \"docker\" {|&\n  image = \"${image[$b]}\"|" topology.hcl
  fi
  if [[ $temp == cold ]]; then
    docker rmi -f "${image[$b]}" nomadbox/base:bookworm >/dev/null 2>&1 || true
    rm -rf "${XDG_CACHE_HOME:-$HOME/.cache}/nomadbox/rootfs"
  else
    "${bin[$b]}" box build --image "${image[$b]}" >/dev/null
  fi
  cd - >/dev/null
}

task_tables=()
for clients in ${BENCH_CLIENTS:-2 5}; do
  for temp in ${BENCH_RUNS:-warm}; do
    for ((i = 1; i <= ${BENCH_REPEAT:-1}; i++)); do
      for b in "${builds[@]}"; do
        new_cluster "$b" "$clients" "$temp"
        if [[ -n ${BENCH_TASKS:-} ]]; then
          rm -rf "$work/junit"
          ANSIBLE_CALLBACKS_ENABLED=junit JUNIT_OUTPUT_DIR=$work/junit run_up "1+$clients $temp" "$b" $((clients + 1))
          [[ $b != new || $i != 1 ]] ||
            task_tables+=("$(printf '\nAnsible tasks of the first up of 1+%s %s (new build)\n' "$clients" "$temp")
$(python3 "$repo/scripts/task-costs.py" "$work/junit")")
        else
          run_up "1+$clients $temp" "$b" $((clients + 1))
        fi
        run_up "1+$clients no-op second up" "$b" $((clients + 1))
        (cd "$work/$b" && "${bin[$b]}" destroy --force >/dev/null)
      done
    done
  done
done

echo
echo "nomadbox up on the $provider provider: seconds per phase, and CPU seconds (user+sys,"
echo "whole machine) per node during provision; $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
[[ -z $baseline_rev ]] || echo "new: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet || echo '+changes'), baseline: $baseline_rev ($(git -C "$repo" rev-parse --short "$rev"))"
printf '%s\n' "${rows[@]}" | awk -F'|' -v builds="${builds[*]}" '
  BEGIN { split("render preflight machines provision verify total cpu/node", names, " ") }
  {
    key = $1 SUBSEP $2
    if (!(key in n)) { if (!($1 in seen)) { seen[$1] = 1; cases[++nc] = $1 } }
    n[key]++
    for (i = 3; i <= 9; i++) sum[key, i] += $i
  }
  END {
    nb = split(builds, b, " ")
    printf "\n%-26s %-9s", "case", "build"
    for (i = 1; i <= 7; i++) printf " %9s", names[i]
    printf "\n"
    for (c = 1; c <= nc; c++) {
      for (j = 1; j <= nb; j++) {
        key = cases[c] SUBSEP b[j]
        if (!(key in n)) continue
        printf "%-26s %-9s", cases[c], b[j]
        for (i = 3; i <= 9; i++) { avg[key, i] = sum[key, i] / n[key]; printf " %9.1f", avg[key, i] }
        printf "\n"
      }
      if (nb == 2) {
        printf "%-26s %-9s", cases[c], "ratio"
        for (i = 3; i <= 9; i++) {
          base = avg[cases[c] SUBSEP b[2], i]
          if (base > 0) printf " %9.2f", avg[cases[c] SUBSEP b[1], i] / base; else printf " %9s", "-"
        }
        printf "\n"
      }
    }
    # 1+5 against 1+2 of the same build, for each build.
    for (j = 1; j <= nb; j++) {
      small = "1+2 warm" SUBSEP b[j]; large = "1+5 warm" SUBSEP b[j]
      if ((small in n) && (large in n) && avg[small, 8] > 0)
        printf "1+5 warm / 1+2 warm total, %s: %.2f\n", b[j], avg[large, 8] / avg[small, 8]
    }
  }'
for t in "${task_tables[@]}"; do
  echo "$t"
done
