#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Enable and start a node's systemd units, in order, in one module run."""

DOCUMENTATION = r"""
---
module: nomadbox_services
short_description: Enable and start systemd units, in the order given
description:
  - For each unit, in order, enables it when it is not enabled and starts
    it when it is not active. Units already enabled and active are left
    alone, so a second run changes nothing.
options:
  units:
    description: Unit names (".service" may be left out).
    type: list
    elements: str
    required: true
author: nomadbox
"""

RETURN = r"""
enabled:
  description: Units that were enabled.
  returned: always
  type: list
  elements: str
started:
  description: Units that were started.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(units=dict(type="list", elements="str", required=True)),
        supports_check_mode=True,
    )
    systemctl = module.get_bin_path("systemctl", required=True)
    enabled, started = [], []
    units = module.params["units"]
    for unit in units:
        _, out, _ = module.run_command([systemctl, "is-enabled", unit])
        # "static" and "generated" units cannot be enabled and need not be.
        if out.strip() not in ("enabled", "static", "generated", "alias", "indirect"):
            enabled.append(unit)
    # One call for all of them, and no reload: systemd already knows the
    # units (the roles reloaded it when a unit file changed), and every
    # reload costs a second or more.
    if enabled and not module.check_mode:
        rc, out, err = module.run_command([systemctl, "enable", "--no-reload"] + enabled)
        if rc != 0:
            module.fail_json(msg="systemctl enable %s failed: %s" % (" ".join(enabled), (err or out).strip()), enabled=enabled, started=started)
    for unit in units:
        rc, _, _ = module.run_command([systemctl, "is-active", "--quiet", unit])
        if rc == 0:
            continue
        started.append(unit)
        if module.check_mode:
            continue
        rc, out, err = module.run_command([systemctl, "start", unit])
        if rc != 0:
            _, status, _ = module.run_command([systemctl, "status", "--no-pager", "--lines", "20", unit])
            module.fail_json(msg="systemctl start %s failed: %s\n%s" % (unit, (err or out).strip(), status),
                             enabled=enabled, started=started)
    module.exit_json(changed=bool(enabled or started), enabled=enabled, started=started)


if __name__ == "__main__":
    main()
