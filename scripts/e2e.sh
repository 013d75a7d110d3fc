#!/usr/bin/env bash
# The end-to-end tier of the README's test command. The cluster of
# virtual machines (TestVirtualMachines: about 15 minutes where libvirt can
# only emulate) runs beside the other end-to-end tests, which build their
# clusters from containers, instead of after them: the two mostly wait on
# different things, and the whole tier ends about when its longest half
# does. Both halves' output is streamed, the machines' lines prefixed
# with "[vm] ", and kept in a log each; the tier fails when either half
# fails, and then ends with what each failed test said (the streamed
# output of two halves interleaves, and a CI log is often read from its end).
set -uo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/hashicorp-binaries.sh)" || exit 1
export CONSUL_BIN NOMAD_BIN

logs=$(mktemp -d "${TMPDIR:-/tmp}/nomadbox-e2e-XXXXXX")
vm='^TestVirtualMachines$'
(go test -tags e2e -count=1 -timeout 80m -v -run "$vm" ./test/e2e 2>&1 | tee "$logs/vm.log" | sed -u 's/^/[vm] /') &
vm_pid=$!
trap 'kill $vm_pid 2>/dev/null' EXIT

go test -tags e2e -count=1 -timeout 80m -v -skip "$vm" \
  ./test/setup ./internal/nodeimage ./internal/verify ./internal/nomadtokens ./internal/raftpeers \
  ./examples/provider-container ./test/e2e 2>&1 | tee "$logs/containers.log"
rc=${PIPESTATUS[0]}
wait "$vm_pid"
vm_rc=$?
trap - EXIT

# failed prints, for each test that failed in a `go test -v` log, first
# the lines it logged that say what went wrong (errors, failures, what a
# check wanted; at most 30), then the last 40 lines it logged. The
# streamed log attributes each line to the test named by the last
# "=== RUN/CONT/NAME" line.
failed() {
  awk -v keep=40 -v keykeep=30 '
    /^=== (RUN|CONT|NAME|PAUSE) / { cur = $3; next }
    /^[ ]*--- FAIL: / {
      name = $3; print; n = count[name]; k = 0
      for (i = 0; i < n && k < keykeep; i++)
        if (lines[name, i] ~ /Error:|error:|FAIL|failed:| failed |failed=[1-9]|did not|timed out|not healthy|, want / && lines[name, i] !~ /^ *\$ /) { print "    ! " lines[name, i]; k++ }
      for (i = (n > keep ? n - keep : 0); i < n; i++) print "    | " lines[name, i]
      next
    }
    /^[ ]*--- (PASS|SKIP): / { next }
    /^(FAIL|ok|panic:)/ { print; next }
    cur != "" { lines[cur, count[cur]++] = $0 }
  ' "$1"
}
echo "e2e: containers and the rest exit $rc, virtual machines exit $vm_rc (logs: $logs)"
if ((rc != 0)); then
  echo "e2e: what failed among the containers and the rest:"
  failed "$logs/containers.log"
fi
if ((vm_rc != 0)); then
  echo "e2e: what failed on the virtual machines:"
  failed "$logs/vm.log"
fi
((rc == 0 && vm_rc == 0))
