#!/usr/bin/env bash
# The README's first command: bring up the default cluster from this
# folder's topology.hcl, writing it with `nomadbox init` when missing.
set -euo pipefail
nomadbox=${1:?usage: scripts/up.sh PATH-TO-NOMADBOX}

if [ ! -f topology.hcl ]; then
  "$nomadbox" init
fi
"$nomadbox" validate
"$nomadbox" render
echo "Stopped after render: this version of nomadbox does not start machines yet. The Vagrantfile and Ansible tree are in .nomadbox/<cluster>/." >&2
