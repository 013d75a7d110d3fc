#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""A node's files and services, in one module run.

A role used to spend one task (one Python start on the node, one round
trip) per user, directory, file and unit, changed or not; most of a
provision went to that overhead. This module takes a node's whole file set,
with contents rendered on the controller, changes only what differs, then
(re)starts, enables and starts its systemd units, in order.
"""

DOCUMENTATION = r"""
---
module: nomadbox_services
short_description: Restart what changed and start a node's units, in order, with waits and gates
description:
  - With C(fileset), first puts a file set in place exactly as
    nomadbox_files does (the same code, module_utils/nomadbox_fileset), in
    check and diff mode too. site.yml gives the set to this run where
    nothing is installed between the files and the services (a container
    from the docker provider's image), one module run on the node instead
    of two. Elsewhere nomadbox_files writes it, and this run gets its
    C(changed_paths).
  - >-
    Then reloads systemd once where a unit file changed, enables every
    unit that is not enabled (one call), and goes through the units in
    order; a unit that needs a restart (C(restart), or a changed path in
    its C(restart_paths), in this run or an earlier one: C(changed_paths))
    is restarted (or reloaded, with C(reload), when it is active), any
    other unit is started when it is not active. A unit that was
    (re)started can be waited for: a TCP port on the loopback to accept,
    and before it starts, an HTTP URL to answer a non-empty JSON string (a
    Nomad client waits for its servers' leader).
  - Units that are enabled, active and not marked are left alone, so a
    second run changes nothing.
  - >-
    A unit marked C(defer) is not restarted when it is active: it is
    listed in C(deferred), for a later run of this module that restarts it
    with the others of a rolling restart (site.yml: one server at a time,
    then clients in batches). After a (re)start, C(gate) URLs must answer
    before the run goes on: each a non-empty JSON string or list that, with
    C(contains), holds that value (a Raft leader known, this server among
    the peers); or, with C(server), an autopilot health answer that lists
    that server address as healthy and a voter; or, with C(recover), the
    base URL of a Consul agent, whose node's checks in the servers' catalog
    (/v1/health/node/NAME?consistent, NAME from /v1/agent/self) that
    passed before the restart pass again: a client's services are back
    where every reader finds them before the next client restarts (the
    agent's own /v1/agent/checks passes a moment before its sync reaches
    the servers).
    C(token) (never logged) is sent in the C(token_header) header.
options:
  fileset:
    description:
      - A file set to put in place before anything else, with the options
        of nomadbox_files (problems, users, directories, files, blocks;
        C(ansible-doc nomadbox_files) lists them), checked against the same
        argument spec.
    type: dict
  changed_paths:
    description: >-
      The paths an earlier run of this module's file set
      changed; with this run's own, what C(restart_paths) and the reload go
      by. Where one of them is below /etc/systemd/system, systemd is
      reloaded first if it loaded that unit before the change
      (C(NeedDaemonReload)) or cannot see it: a unit it never loaded is read
      from its file when first asked for, so a fresh node's new units need
      no reload (a reload costs about 0.2 CPU-seconds per node, more on a
      busy one).
    type: list
    elements: str
    default: []
  units:
    description: The units, in the order they depend on each other.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {type: str, required: true, description: "The unit, such as consul or dnsmasq."}
      restart: {type: bool, default: false, description: "Restart it whatever changed (a replaced binary)."}
      restart_paths: {type: list, elements: str, default: [], description: "restart when a changed path starts with one of these"}
      when_changed: {type: bool, default: false, description: "leave the unit alone (not enabled, not started) unless it needs a restart"}
      reload: {type: bool, default: false, description: "reload instead of restart when active"}
      wait_port: {type: int, description: "after a (re)start, wait for 127.0.0.1:PORT"}
      wait_url: {type: str, description: "before a (re)start, wait for this URL to answer a non-empty JSON string"}
      ca_file: {type: str, description: "CA for an https wait_url"}
      defer: {type: bool, default: false, description: "leave an active unit that needs a restart to a later rolling run"}
      gate:
        type: list
        elements: dict
        description: "after a (re)start, wait until each URL answers a non-empty JSON string or list (containing C(contains)), lists C(server) as healthy and a voter, or (C(recover)) passes every check that passed before"
      timeout: {type: int, default: 90, description: "Seconds each wait and gate may take."}
author: nomadbox
"""

EXAMPLES = r"""
- name: Restart what changed and start the node's services
  nomadbox_services:
    changed_paths: "{{ written.changed_paths }}"
    units:
      - name: dnsmasq
        restart_paths: [/etc/dnsmasq.d]
        wait_port: 53
      - name: consul
        restart_paths: [/etc/consul.d, /etc/systemd/system/consul.service]
        defer: true
      - name: nomad
        restart_paths: [/etc/nomad.d, /etc/systemd/system/nomad.service]
        wait_url: http://192.168.56.11:4646/v1/status/leader
  register: started
"""

RETURN = r"""
changed_paths:
  description: What the file set changed (users, directories, files).
  returned: always
  type: list
  elements: str
enabled:
  description: Units that were enabled.
  returned: always
  type: list
  elements: str
started:
  description: Units that were started, restarted or reloaded.
  returned: always
  type: list
  elements: str
deferred:
  description: Active units marked defer that need a restart, in order.
  returned: always
  type: list
  elements: str
"""

import json
import socket
import ssl
import time
import urllib.parse
import urllib.request

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.nomadbox_fileset import FILESET_SPEC, apply_fileset


def wait_port(port, timeout):
    deadline = time.time() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        except OSError:
            if time.time() > deadline:
                return False
            time.sleep(0.5)


def healthy_voter(body, server):
    """Whether an autopilot health answer (Consul's and Nomad's
    /v1/operator/autopilot/health) lists server as healthy and a voter."""
    if not isinstance(body, dict):
        return False
    for s in body.get("Servers") or []:
        if s.get("Address") == server:
            return bool(s.get("Healthy")) and bool(s.get("Voter"))
    return False


def describe(body, server):
    """The part of an answer a failed gate reports."""
    if server and isinstance(body, dict):
        for s in body.get("Servers") or []:
            if s.get("Address") == server:
                return "%s: Healthy %s, Voter %s, LastContact %s" % (
                    server, s.get("Healthy"), s.get("Voter"), s.get("LastContact"))
        return "%s is not among the servers autopilot reports" % server
    return "answered %r" % (body,)


def get_json(url, ca_file, headers=None):
    ctx = ssl.create_default_context(cafile=ca_file or None) if url.startswith("https") else None
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=3, context=ctx) as resp:
        return json.loads(resp.read().decode("utf-8"))


def node_checks_url(url, ca_file, headers):
    """The URL of the servers' view of the checks of the node whose agent
    answers at url (None when it does not answer)."""
    try:
        name = get_json(url + "/v1/agent/self", ca_file, headers)["Config"]["NodeName"]
    except Exception:  # a stopped agent has no checks to keep
        return None
    # consistent: the leader confirms with a quorum that it still leads
    # before it answers. In default mode an old leader may answer, with
    # stale values, in the window in which a new one is elected (Consul's
    # consistency modes, /consul/api-docs/features/consistency), which is
    # when a roll restarts servers; a gate must not pass on such an answer.
    return url + "/v1/health/node/" + urllib.parse.quote(name, safe="") + "?consistent"


def passing_checks(checks_url, ca_file, headers):
    """The IDs of the checks that a node's checks_url (node_checks_url)
    reports passing (none when it has none, or its agent does not answer)."""
    if checks_url is None:
        return set()
    try:
        body = get_json(checks_url, ca_file, headers)
    except Exception:  # a restarting agent: nothing passes yet
        return set()
    if not isinstance(body, list):
        return set()
    return {c.get("CheckID") for c in body if isinstance(c, dict) and c.get("Status") == "passing"}


def wait_recovered(checks_url, ca_file, deadline, before, headers):
    """Waits until every check in before passes again at checks_url;
    returns whether it did before deadline, and the checks still not
    passing."""
    while True:
        missing = sorted(before - passing_checks(checks_url, ca_file, headers))
        if not missing:
            return True, ""
        if time.time() > deadline:
            return False, "not passing again: " + ", ".join(missing)
        time.sleep(1)


def wait_json(url, ca_file, deadline, contains="", server="", headers=None):
    """Waits until url answers a non-empty JSON string or list, holding
    contains when given (a Raft leader's address; this server among the
    peers), or, with server, an autopilot health answer that lists it as a
    healthy voter; returns whether it did before deadline, and the last
    answer."""
    last = ""
    while True:
        try:
            body = get_json(url, ca_file, headers)
            if server:
                if healthy_voter(body, server):
                    return True, ""
            elif isinstance(body, (str, list)) and body and (not contains or contains in body):
                return True, ""
            last = describe(body, server)
        except Exception as e:  # any failure is one more try
            last = str(e)
        if time.time() > deadline:
            return False, last
        time.sleep(1)


def unit_of(path):
    """The unit a file below /etc/systemd/system configures: its unit
    file, or a drop-in (X.service.d/y.conf); None for anything else (a
    .wants link, a file of another kind)."""
    parts = path[len("/etc/systemd/system/"):].split("/")
    if len(parts) == 1 and "." in parts[0]:
        return parts[0]
    if len(parts) == 2 and parts[0].endswith(".d") and parts[1].endswith(".conf"):
        return parts[0][:-2]
    return None


def show_units(run_command, systemctl, props, names):
    """The properties props of each unit in names, from one systemctl call
    for all of them (a systemctl run costs about 30 ms of CPU): a dict per
    unit, in the order asked; or None and what went wrong."""
    rc, out, err = run_command([systemctl, "show", "--property=" + ",".join(props), "--"] + names)
    if rc != 0:
        return None, "systemctl show failed: %s" % (err or out).strip()
    # One block per unit, in the order asked, a blank line between.
    blocks = out.strip("\n").split("\n\n")
    if len(blocks) != len(names):
        return None, "systemctl show answered %d units for %d: %r" % (len(blocks), len(names), out)
    return [dict(line.split("=", 1) for line in b.splitlines() if "=" in line) for b in blocks], ""


def reload_needed(run_command, systemctl, paths):
    """Whether systemd must reload to see the changed unit files: a unit it
    has loaded reports NeedDaemonReload=yes once its file or a drop-in
    changed; a unit it never loaded is loaded from disk by the question
    itself. Where that cannot be told (a path that is not a unit's, a failed
    question, a unit that is still not found) the answer is yes."""
    if not paths:
        return False
    names = sorted(set(unit_of(p) for p in paths))
    if None in names:
        return True
    shown, _ = show_units(run_command, systemctl, ["LoadState", "NeedDaemonReload"], names)
    if shown is None:
        return True
    return any(u.get("LoadState") != "loaded" or u.get("NeedDaemonReload") != "no" for u in shown)


def units_to_handle(units, changed):
    """The units this run goes through, each marked restart where one of
    the changed paths starts with one of its restart_paths; a when_changed
    unit that needs no restart is left out (not enabled, not started)."""
    handled = []
    for u in units:
        prefixes = tuple(u["restart_paths"])
        u["restart"] = u["restart"] or (bool(prefixes) and any(p.startswith(prefixes) for p in changed))
        if u["restart"] or not u["when_changed"]:
            handled.append(u)
    return handled


def gate_headers(g):
    return {g["token_header"]: g["token"]} if g["token"] and g["token_header"] else {}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            fileset=dict(type="dict", options=FILESET_SPEC),
            changed_paths=dict(type="list", elements="str", default=[]),
            units=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                restart=dict(type="bool", default=False),
                restart_paths=dict(type="list", elements="str", default=[]),
                when_changed=dict(type="bool", default=False),
                reload=dict(type="bool", default=False),
                wait_port=dict(type="int"),
                wait_url=dict(type="str"),
                ca_file=dict(type="str"),
                defer=dict(type="bool", default=False),
                gate=dict(type="list", elements="dict", default=[], options=dict(
                    url=dict(type="str", required=True),
                    contains=dict(type="str", default=""),
                    server=dict(type="str", default=""),
                    recover=dict(type="bool", default=False),
                    token=dict(type="str", default="", no_log=True),
                    token_header=dict(type="str", default=""),
                )),
                timeout=dict(type="int", default=90),
            )),
        ),
        supports_check_mode=True,
    )
    written, diffs = apply_fileset(module, module.params["fileset"]) if module.params["fileset"] else ([], [])
    if not module.params["units"]:
        # The file set alone (its units restart in a later run).
        module.exit_json(changed=bool(written), changed_paths=written, enabled=[], started=[], deferred=[],
                         diff=diffs)
    systemctl = module.get_bin_path("systemctl", required=True)
    enabled, started, deferred = [], [], []

    def fail(msg, unit=None):
        status = ""
        if unit:
            _, status, _ = module.run_command([systemctl, "status", "--no-pager", "--lines", "20", unit])
        module.fail_json(msg=msg + ("\n" + status if status else ""), changed_paths=written,
                         enabled=enabled, started=started, deferred=deferred)

    def run(args, unit=None, env=None):
        rc, out, err = module.run_command([systemctl] + args, environ_update=env or {})
        if rc != 0:
            fail("systemctl %s failed: %s" % (" ".join(args), (err or out).strip()), unit)

    def states(names):
        """Each unit's (UnitFileState, ActiveState), asked once for all
        units: two systemctl runs per unit were most of a no-op run's."""
        if not names:
            return {}
        shown, problem = show_units(module.run_command, systemctl, ["UnitFileState", "ActiveState"], names)
        if shown is None:
            fail(problem)
        return {n: (u.get("UnitFileState", ""), u.get("ActiveState", "")) for n, u in zip(names, shown)}

    changed = module.params["changed_paths"] + written
    units = units_to_handle(module.params["units"], changed)
    unit_files = sorted(set(p for p in changed if p.startswith("/etc/systemd/system/")))
    if not module.check_mode and reload_needed(module.run_command, systemctl, unit_files):
        run(["daemon-reload"])
    state = states([u["name"] for u in units])
    for u in units:
        # "static" and "generated" units cannot be enabled and need not be.
        if state[u["name"]][0] not in ("enabled", "static", "generated", "alias", "indirect"):
            enabled.append(u["name"])
    # One call for all of them and no reload: every reload costs a second
    # or more, and systemd already knows the units. SYSTEMCTL_SKIP_SYSV:
    # for a unit that also has an /etc/init.d script (dnsmasq, docker)
    # systemctl otherwise runs systemd-sysv-install, whose update-rc.d
    # reloads systemd twice per unit whatever --no-reload says (measured:
    # four reloads, 1.7 s on an idle node, over 10 s on a busy one); the
    # SysV links it would write are not read where systemd runs.
    if enabled and not module.check_mode:
        run(["enable", "--no-reload"] + enabled, env={"SYSTEMCTL_SKIP_SYSV": "1"})

    # The states are asked once, before any start. A start can start a
    # later unit too (a dependency); that unit then gets a `systemctl
    # start` of its own, a no-op, and needs no restart: its files were in
    # place before anything started. Asking again after every start cost a
    # systemctl run each (about 30 ms of CPU; six on a fresh node).
    for u in units:
        name = u["name"]
        active = state[name][1] in ("active", "reloading", "refreshing")
        if active and not u["restart"]:
            continue
        if active and u["defer"]:
            deferred.append(name)
            continue
        started.append(name)
        if module.check_mode:
            continue
        # What passes now must pass again after the restart.
        # The node's name is asked once, of the agent that still runs.
        before = {}
        for i, g in enumerate(u["gate"]):
            if g["recover"]:
                checks_url = node_checks_url(g["url"], u["ca_file"], gate_headers(g))
                before[i] = (checks_url, passing_checks(checks_url, u["ca_file"], gate_headers(g)))
        if u["wait_url"]:
            ok, last = wait_json(u["wait_url"], u["ca_file"], time.time() + u["timeout"])
            if not ok:
                fail("%s: %s did not answer within %ds (last: %s)" % (name, u["wait_url"], u["timeout"], last))
        if not active:
            run(["start", name], name)
        elif u["reload"]:
            run(["reload", name], name)
        else:
            run(["restart", name], name)
        if u["wait_port"] and not wait_port(u["wait_port"], u["timeout"]):
            fail("%s: nothing listens on 127.0.0.1:%d after %ds" % (name, u["wait_port"], u["timeout"]), name)
        deadline = time.time() + u["timeout"]
        for i, g in enumerate(u["gate"]):
            if g["recover"]:
                checks_url, passed = before[i]
                ok, last = wait_recovered(checks_url, u["ca_file"], deadline, passed, gate_headers(g))
            else:
                ok, last = wait_json(g["url"], u["ca_file"], deadline, g["contains"], g["server"], gate_headers(g))
            if not ok:
                what = g["url"] + (" (holding %s)" % g["contains"] if g["contains"] else "")
                what += (" (%s a healthy voter)" % g["server"] if g["server"] else "")
                what += (" (the checks that passed before the restart)" if g["recover"] else "")
                fail("%s: (re)started, but %s did not answer within %ds (last: %s); the roll stops here, "
                     "the nodes after this one are untouched" % (name, what, u["timeout"], last), name)
    module.exit_json(changed=bool(written or enabled or started), changed_paths=written,
                     enabled=enabled, started=started, deferred=deferred, diff=diffs)


if __name__ == "__main__":
    main()
