#!/usr/bin/env bash
# The end-to-end tier of the README's test command. The cluster of
# virtual machines (TestVirtualMachines: about 15 minutes where libvirt can
# only emulate) runs beside the other end-to-end tests, which build their
# clusters from containers, instead of after them: the two mostly wait on
# different things, and the whole tier ends about when its longest half
# does. Both halves' output is streamed, the machines' lines prefixed
# with "[vm] "; the tier fails when either half fails.
set -uo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/hashicorp-binaries.sh)" || exit 1
export CONSUL_BIN NOMAD_BIN

vm='^TestVirtualMachines$'
(go test -tags e2e -count=1 -timeout 80m -v -run "$vm" ./test/e2e 2>&1 | sed -u 's/^/[vm] /') &
vm_pid=$!
trap 'kill $vm_pid 2>/dev/null' EXIT

go test -tags e2e -count=1 -timeout 80m -v -skip "$vm" \
  ./test/setup ./internal/box ./internal/verify ./internal/nomadtokens ./internal/raftpeers \
  ./examples/provider-container ./test/e2e
rc=$?
wait "$vm_pid"
vm_rc=$?
trap - EXIT
echo "e2e: containers and the rest exit $rc, virtual machines exit $vm_rc"
((rc == 0 && vm_rc == 0))
