#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""What the nomadbox roles need to know about a node, in one module run.

Ansible's fact gathering, package_facts and one stat per probed path each
cost a module run (a Python start on the node and a round trip); on a
small machine running many nodes those runs are most of a provision. This
module answers all of it at once and sets the fact ``nomadbox_node``.
"""

DOCUMENTATION = r"""
---
module: nomadbox_facts
short_description: Probe a node for the nomadbox roles
description:
  - Sets the fact C(nomadbox_node) with the node's distribution,
    architecture, whether it is a container, the installed Debian
    packages, the name servers of /etc/resolv.conf, whether nftables can
    be managed, which of the given paths exist, the SHA-256 of the given
    files and the image tags the local Docker has.
options:
  paths:
    description: Paths whose existence (and type) to report.
    type: list
    elements: str
    default: []
  checksums:
    description: Files whose SHA-256 to report ("" when missing).
    type: list
    elements: str
    default: []
  checksum_cache:
    description:
      - >-
        A JSON file of earlier checksums (path to size, mtime in seconds
        and SHA-256); a file whose size and mtime match its entry is not
        read again, and the file is rewritten when a checksum was
        computed. Reading a Consul and a Nomad binary costs about 0.3
        CPU-seconds per node and probe. The docker provider's node
        images carry the entries of the binaries they hold. Empty: no
        cache.
    type: str
    default: ""
  packages:
    description:
      - The Debian packages the roles ask about; only those of them that
        are installed are reported. Empty reports every installed package.
      - >-
        Every fact is combined into the variables of every later task on
        the node, so a node's two hundred packages cost each task on each
        node in the controller (measured: 11% of a no-op provision's CPU).
    type: list
    elements: str
    default: []
author: nomadbox
"""

EXAMPLES = r"""
- name: Probe the node
  nomadbox_facts:
    packages: [dnsmasq, nftables, docker-ce]
    paths: [/usr/sbin/nft, /etc/systemd/system/nomadbox-firewall.service]
    checksums: [/usr/local/bin/consul, /usr/local/bin/nomad]
    checksum_cache: /usr/local/lib/nomadbox/checksums.json

- name: Install nftables where the probe did not find it
  ansible.builtin.apt:
    name: nftables
  when: "'nftables' not in ansible_facts['packages']"
"""

RETURN = r"""
ansible_facts:
  description: C(nomadbox_node), a dict with distribution, codename,
    version, architecture, in_container, packages, nameservers,
    resolv_conf_base64 (the file itself),
    nft_usable, nft_error, paths, existing (the paths that exist),
    checksums and docker_images (the tags Docker has); and, in the shapes of
    Ansible's fact gathering and package_facts, distribution,
    distribution_release, distribution_version, architecture, nodename,
    virtualization_tech_guest and packages.
  returned: always
  type: dict
"""

import base64
import glob
import hashlib
import json
import os
import platform
import shutil
import time

from ansible.module_utils.basic import AnsibleModule


def os_release():
    info = {}
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    key, sep, value = line.strip().partition("=")
                    if sep:
                        info[key] = value.strip().strip('"')
            break
        except OSError:
            continue
    return info


def in_container():
    # systemd records the container manager it was started by; Docker
    # and Podman also leave their own marker files.
    if os.path.exists("/run/systemd/container") or os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv"):
        return True
    try:
        with open("/proc/1/environ", "rb") as f:
            return b"container=" in f.read()
    except OSError:
        return False


def packages(module, wanted):
    """The installed packages, or those of wanted that are installed."""
    if not shutil.which("dpkg-query"):
        return []
    rc, out, _ = module.run_command(["dpkg-query", "-W", "-f", "${db:Status-Status} ${Package}\n"])
    if rc != 0:
        return []
    installed = {f[1] for f in (line.split() for line in out.splitlines()) if len(f) == 2 and f[0] == "installed"}
    if wanted:
        installed &= set(wanted)
    return sorted(installed)


def resolv_conf():
    """/etc/resolv.conf as it is, base64, so the DNS role can keep the
    original once and give it back when forwarding is removed."""
    try:
        with open("/etc/resolv.conf", "rb") as f:
            return base64.b64encode(f.read()).decode("ascii")
    except OSError:
        return ""


def nameservers():
    found = []
    try:
        with open("/etc/resolv.conf", encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 2 and fields[0] == "nameserver":
                    found.append(fields[1])
    except OSError:
        pass
    return found


def docker_images():
    """The image tags the local Docker daemon knows, read from its
    repositories file: no daemon needs to run, nothing is started."""
    tags = []
    for path in sorted(glob.glob("/var/lib/docker/image/*/repositories.json")):
        try:
            with open(path, encoding="utf-8") as f:
                repos = json.load(f).get("Repositories") or {}
        except (OSError, ValueError):
            continue
        for refs in repos.values():
            tags.extend(refs.keys())
    return sorted(set(tags))


def load_cache(path):
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            got = json.load(f)
        return got if isinstance(got, dict) else {}
    except (OSError, ValueError):
        return {}


def save_cache(path, entries):
    """Writes the cache atomically; a failure only costs the next probe a
    read of the files."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass


def checksums(paths, cache_path, check_mode):
    """Each file's SHA-256 ("" when missing), from the cache where the
    file's size and mtime match its entry."""
    cache = load_cache(cache_path)
    sums, entries, computed = {}, {}, False
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            sums[p] = ""
            continue
        key = {"size": st.st_size, "mtime": int(st.st_mtime)}
        e = cache.get(p)
        if isinstance(e, dict) and e.get("size") == key["size"] and e.get("mtime") == key["mtime"] and e.get("sha256"):
            sums[p] = e["sha256"]
        else:
            sums[p] = sha256(p)
            computed = True
        # Not for a file written in the last seconds: another write within
        # the same second would keep its size and mtime.
        if sums[p] and key["mtime"] < time.time() - 2:
            entries[p] = dict(key, sha256=sums[p])
    if cache_path and computed and not check_mode:
        save_cache(cache_path, entries)
    return sums


def sha256(path):
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type="list", elements="str", default=[]),
            checksums=dict(type="list", elements="str", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            checksum_cache=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    rel = os_release()
    node = {
        "distribution": rel.get("ID", "").lower(),
        "codename": rel.get("VERSION_CODENAME", ""),
        "version": rel.get("VERSION_ID", ""),
        "architecture": platform.machine(),
        "in_container": in_container(),
        "packages": packages(module, module.params["packages"]),
        "nameservers": nameservers(),
        "resolv_conf_base64": resolv_conf(),
        "nft_usable": False,
        "nft_error": "",
        "paths": {},
        "existing": [],
        "checksums": {},
        "docker_images": docker_images(),
    }
    nft = shutil.which("nft") or ("/usr/sbin/nft" if os.path.exists("/usr/sbin/nft") else None)
    if nft:
        rc, _, err = module.run_command([nft, "list", "tables"])
        node["nft_usable"] = rc == 0
        node["nft_error"] = err.strip()
    else:
        node["nft_error"] = "nft is not installed"
    for p in module.params["paths"]:
        node["paths"][p] = {"exists": os.path.exists(p), "isdir": os.path.isdir(p)}
    node["existing"] = [p for p in module.params["paths"] if node["paths"][p]["exists"]]
    node["checksums"] = checksums(module.params["checksums"], module.params["checksum_cache"], module.check_mode)
    # The facts the roles read from Ansible's own gathering and from
    # package_facts, in their shapes, so no other module has to run.
    facts = {
        "nomadbox_node": node,
        "distribution": rel.get("NAME", "").split()[0] if rel.get("NAME") else "",
        "distribution_release": node["codename"],
        "distribution_version": node["version"],
        "architecture": node["architecture"],
        "nodename": platform.node(),
        "virtualization_tech_guest": ["container"] if node["in_container"] else [],
        "packages": {p: [{"name": p, "source": "apt"}] for p in node["packages"]},
    }
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == "__main__":
    main()
