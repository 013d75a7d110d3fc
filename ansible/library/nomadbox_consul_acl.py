#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Set up Consul's ACL policies and tokens in one run, through one agent."""

DOCUMENTATION = r"""
---
module: nomadbox_consul_acl
short_description: Make Consul's ACL policies and tokens what nomadbox wants
description:
  - Waits until the agent accepts the management token, then creates or
    updates each policy (by name) and each token. Tokens have a secret that
    nomadbox generated; their accessor ID is derived from it (the first 16
    bytes of SHA-256("nomadbox-accessor:" + secret), as a version 4 UUID),
    so each token is found again without nomadbox storing its accessor.
  - The anonymous token gets exactly the nomadbox policies listed in
    C(anonymous_policies) (policies whose name starts with C(nomadbox-)
    that are not listed are taken off it; others are left alone).
  - >-
    Everything is read before it is written: a second run changes nothing.
    No secret is returned.
options:
  url: {type: str, required: true, description: "The agent's HTTP API, e.g. https://127.0.0.1:8501"}
  ca_file: {type: str, description: "CA for an https url"}
  token: {type: str, required: true, no_log: true, description: "A management token"}
  timeout: {type: int, default: 120, description: "Seconds to wait for the token to be accepted"}
  policies:
    description: ACL policies to create, or to update where their rules differ.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {type: str, required: true, description: "The policy's name."}
      description: {type: str, default: "", description: "The policy's description."}
      rules: {type: str, required: true, description: "Its rules, in Consul's ACL rule language."}
  tokens:
    description: Tokens to create with a given secret, or to update where their policies differ.
    type: list
    elements: dict
    default: []
    suboptions:
      secret_id: {type: str, required: true, no_log: true, description: "The token's secret (never logged)."}
      description: {type: str, required: true, description: "The token's description."}
      policies: {type: list, elements: str, default: [], description: "The names of its policies."}
  agent_nodes:
    type: list
    elements: str
    default: []
    description: Nodes that get an agent token bound to them (a node identity).
  agent_secret_ids:
    type: list
    elements: str
    default: []
    no_log: true
    description: The secrets of those agent tokens, in the same order.
  datacenter: {type: str, default: dc1, description: "The node identities' datacenter"}
  anonymous_policies: {type: list, elements: str, default: [], description: "The nomadbox policies the anonymous token carries (Consul before 1.17 answers DNS with it)."}
author: nomadbox
"""

EXAMPLES = r"""
- name: Set up Consul's ACL policies and tokens through the first server
  nomadbox_consul_acl:
    url: http://127.0.0.1:8500
    token: "{{ lookup('ansible.builtin.file', 'secrets/consul-management.token') }}"
    policies:
      - name: nomadbox-dns
        description: Resolves nodes and services
        rules: |
          node_prefix "" { policy = "read" }
          service_prefix "" { policy = "read" }
    tokens:
      - secret_id: "{{ lookup('ansible.builtin.file', 'secrets/consul-dns.token') }}"
        description: "nomadbox: DNS"
        policies: [nomadbox-dns]
  run_once: true
"""

RETURN = r"""
created:
  description: Policies and tokens (by description) that were created.
  returned: always
  type: list
  elements: str
updated:
  description: Policies and tokens (by description) that were changed.
  returned: always
  type: list
  elements: str
"""

import hashlib
import json
import ssl
import time
import urllib.error
import urllib.request

from ansible.module_utils.basic import AnsibleModule

ANONYMOUS = "00000000-0000-0000-0000-000000000002"
MANAGED_PREFIX = "nomadbox-"


def accessor_id(secret):
    b = bytearray(hashlib.sha256(("nomadbox-accessor:" + secret).encode("utf-8")).digest()[:16])
    b[6] = b[6] & 0x0F | 0x40
    b[8] = b[8] & 0x3F | 0x80
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])


class Consul(object):
    def __init__(self, url, ca_file, token):
        self.url = url.rstrip("/")
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ca_file or None) if url.startswith("https") else None

    def call(self, method, path, body=None):
        """Returns (status, decoded JSON or None). Consul answers 403 "ACL
        not found" (or 404) for a token or policy that does not exist."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"X-Consul-Token": self.token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ctx) as resp:
                raw = resp.read().decode("utf-8")
                return resp.status, (json.loads(raw) if raw.strip() else None)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace").strip()

    def must(self, method, path, body=None):
        status, out = self.call(method, path, body)
        if status != 200:
            raise RuntimeError("%s %s: HTTP %d %s" % (method, path, status, out))
        return out


def wait_for_token(consul, timeout):
    deadline = time.time() + timeout
    last = ""
    while True:
        try:
            status, out = consul.call("GET", "/v1/acl/token/self")
            if status == 200:
                return None
            last = "HTTP %d %s" % (status, out)
        except Exception as e:  # not up yet: one more try
            last = str(e)
        if time.time() > deadline:
            return last
        time.sleep(1)


def ensure_policy(consul, p, created, updated):
    status, cur = consul.call("GET", "/v1/acl/policy/name/" + p["name"])
    want = {"Name": p["name"], "Description": p["description"], "Rules": p["rules"]}
    if status != 200:
        consul.must("PUT", "/v1/acl/policy", want)
        created.append("policy " + p["name"])
        return
    if cur.get("Rules") != p["rules"] or cur.get("Description") != p["description"]:
        want["ID"] = cur["ID"]
        consul.must("PUT", "/v1/acl/policy/" + cur["ID"], want)
        updated.append("policy " + p["name"])


def token_body(t):
    body = {
        "AccessorID": accessor_id(t["secret_id"]),
        "SecretID": t["secret_id"],
        "Description": t["description"],
        "Policies": [{"Name": n} for n in t["policies"]],
    }
    if t.get("node_identity"):
        body["NodeIdentities"] = [{"NodeName": t["node_identity"], "Datacenter": t["datacenter"]}]
    return body


def same_token(cur, want):
    names = sorted(p.get("Name", "") for p in (cur.get("Policies") or []))
    nodes = sorted((n["NodeName"], n["Datacenter"]) for n in (cur.get("NodeIdentities") or []))
    want_nodes = sorted((n["NodeName"], n["Datacenter"]) for n in want.get("NodeIdentities", []))
    return (cur.get("Description") == want["Description"]
            and names == sorted(p["Name"] for p in want["Policies"])
            and nodes == want_nodes)


def ensure_token(consul, t, created, updated):
    want = token_body(t)
    status, cur = consul.call("GET", "/v1/acl/token/" + want["AccessorID"])
    if status != 200:
        consul.must("PUT", "/v1/acl/token", want)
        created.append("token " + t["description"])
    elif not same_token(cur, want):
        consul.must("PUT", "/v1/acl/token/" + want["AccessorID"], want)
        updated.append("token " + t["description"])


def ensure_anonymous(consul, names, updated):
    cur = consul.must("GET", "/v1/acl/token/" + ANONYMOUS)
    links = cur.get("Policies") or []
    keep = [{"Name": p["Name"]} for p in links if not p.get("Name", "").startswith(MANAGED_PREFIX)]
    want = keep + [{"Name": n} for n in names]
    if sorted(p["Name"] for p in want) == sorted(p.get("Name", "") for p in links):
        return
    consul.must("PUT", "/v1/acl/token/" + ANONYMOUS, {
        "AccessorID": ANONYMOUS,
        "Description": cur.get("Description") or "Anonymous Token",
        "Policies": want,
    })
    updated.append("token anonymous")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            ca_file=dict(type="str"),
            token=dict(type="str", required=True, no_log=True),
            timeout=dict(type="int", default=120),
            policies=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str", default=""),
                rules=dict(type="str", required=True),
            )),
            tokens=dict(type="list", elements="dict", default=[], options=dict(
                secret_id=dict(type="str", required=True, no_log=True),
                description=dict(type="str", required=True),
                policies=dict(type="list", elements="str", default=[]),
            )),
            agent_nodes=dict(type="list", elements="str", default=[]),
            agent_secret_ids=dict(type="list", elements="str", default=[], no_log=True),
            datacenter=dict(type="str", default="dc1"),
            anonymous_policies=dict(type="list", elements="str", default=[]),
        ),
    )
    p = module.params
    if len(p["agent_nodes"]) != len(p["agent_secret_ids"]):
        module.fail_json(msg="agent_nodes and agent_secret_ids differ in length")
    tokens = list(p["tokens"]) + [
        {"secret_id": secret, "description": "nomadbox: agent of " + node, "policies": [],
         "node_identity": node, "datacenter": p["datacenter"]}
        for node, secret in zip(p["agent_nodes"], p["agent_secret_ids"])]
    consul = Consul(p["url"], p["ca_file"], p["token"])
    last = wait_for_token(consul, p["timeout"])
    if last is not None:
        module.fail_json(msg=(
            "Consul did not accept the cluster's management token (secrets/consul-management.token) "
            "within %ds: %s. `nomadbox verify` shows whether Consul has a leader; the ACL system was "
            "bootstrapped with another token if it answers \"ACL not found\"." % (p["timeout"], last)))
    created, updated = [], []
    try:
        for pol in p["policies"]:
            ensure_policy(consul, pol, created, updated)
        for tok in tokens:
            ensure_token(consul, tok, created, updated)
        ensure_anonymous(consul, p["anonymous_policies"], updated)
    except Exception as e:
        module.fail_json(msg="setting up Consul's ACLs: %s" % e, created=created, updated=updated)
    module.exit_json(changed=bool(created or updated), created=created, updated=updated)


if __name__ == "__main__":
    main()
