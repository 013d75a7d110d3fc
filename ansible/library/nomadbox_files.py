#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Everything a nomadbox role writes on a node, in one module run.

A role used to spend one task (one Python start on the node, one round
trip) per user, directory and file, changed or not; most of a provision
went to that overhead. This module takes a role's whole file set, with
contents rendered on the controller, and changes only what differs.
"""

DOCUMENTATION = r"""
---
module: nomadbox_files
short_description: Put a role's users, directories and files in place
description:
  - Creates missing system users and groups, directories and files, and
    managed blocks in existing files; removes files marked absent; leaves
    everything that is already as wanted untouched. Reports the paths it
    changed in C(changed_paths), so handlers can tell a unit file change
    (daemon-reload) from a configuration change.
  - Files are replaced atomically (a temporary file renamed over the old
    one). With C(unsafe_writes), a file that cannot be renamed over (a
    bind mount such as a container's /etc/resolv.conf) is written in place.
options:
  problems:
    description: What stops the run on this node. When the list is not
      empty the module fails with its items joined and changes nothing
      (site.yml's check of the settings and of what the node allows: a
      task of its own cost a worker per node, even skipped).
    type: list
    elements: str
    default: []
  users:
    description: System users (each with a group of its own name unless
      C(group) is given) to create when missing.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {type: str, required: true}
      group: {type: str}
      home: {type: str, default: /nonexistent}
      comment: {type: str, default: ""}
      shell: {type: str, default: /usr/sbin/nologin}
  directories:
    description: Directories to create, with owner, group and mode.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {type: str, required: true}
      owner: {type: str, default: root}
      group: {type: str, default: root}
      mode: {type: str, default: "0755"}
  files:
    description: Files and their content, or C(state=absent) to remove one.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {type: str, required: true}
      content_base64:
        type: str
        default: ""
        no_log: true
        description: The content, base64-encoded on the controller (b64encode), so
          that no templating step turns a JSON or YAML text into data on the way.
      owner: {type: str, default: root}
      group: {type: str, default: root}
      mode: {type: str, default: "0644"}
      state: {type: str, default: present, choices: [present, absent]}
      force: {type: bool, default: true, description: "false: keep a file that exists"}
      validate: {type: str, description: "command run on the new content (%s is its path) before it replaces the file"}
      unsafe_writes: {type: bool, default: false}
  blocks:
    description: Managed blocks between two marker lines in files that
      other software owns too (such as /etc/hosts).
    type: list
    elements: dict
    default: []
    suboptions:
      path: {type: str, required: true}
      marker: {type: str, required: true, description: "contains {mark}, replaced by BEGIN and END"}
      block: {type: str, required: true}
      unsafe_writes: {type: bool, default: false}
author: nomadbox
"""

RETURN = r"""
changed_paths:
  description: Users, directories and files that were created or changed.
  returned: always
  type: list
  elements: str
"""

import base64
import binascii
import errno
import grp
import os
import pwd
import tempfile

from ansible.module_utils.basic import AnsibleModule


class Files:
    def __init__(self, module):
        self.module = module
        self.check = module.check_mode
        self.changed = []

    def fail(self, msg, **kw):
        self.module.fail_json(msg=msg, changed_paths=self.changed, **kw)

    def ids(self, owner, group):
        try:
            uid = pwd.getpwnam(owner).pw_uid
        except KeyError:
            if self.check:
                return -1, -1
            self.fail("no user %s" % owner)
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            if self.check:
                return -1, -1
            self.fail("no group %s" % group)
        return uid, gid

    def run(self, args):
        rc, out, err = self.module.run_command(args)
        if rc != 0:
            self.fail("%s failed: %s" % (" ".join(args), (err or out).strip()))

    def user(self, u):
        group = u.get("group") or u["name"]
        try:
            grp.getgrnam(group)
        except KeyError:
            self.changed.append("group:" + group)
            if not self.check:
                self.run(["groupadd", "--system", group])
        try:
            pwd.getpwnam(u["name"])
            return
        except KeyError:
            pass
        self.changed.append("user:" + u["name"])
        if not self.check:
            self.run(["useradd", "--system", "--gid", group, "--home-dir", u["home"], "--no-create-home",
                      "--shell", u["shell"], "--comment", u["comment"], u["name"]])

    def attrs(self, path, owner, group, mode):
        """Sets owner, group and mode of an existing path; True if changed."""
        st = os.lstat(path)
        uid, gid = self.ids(owner, group)
        want = int(mode, 8)
        changed = False
        if (st.st_uid, st.st_gid) != (uid, gid) and uid >= 0:
            changed = True
            if not self.check:
                os.chown(path, uid, gid)
        if st.st_mode & 0o7777 != want:
            changed = True
            if not self.check:
                os.chmod(path, want)
        return changed

    def directory(self, d):
        path = d["path"]
        if not os.path.isdir(path):
            self.changed.append(path)
            if self.check:
                return
            os.makedirs(path, exist_ok=True)
            self.attrs(path, d["owner"], d["group"], d["mode"])
            return
        if self.attrs(path, d["owner"], d["group"], d["mode"]):
            self.changed.append(path)

    def write(self, path, data, owner, group, mode, validate=None, unsafe_writes=False):
        """Replaces path with data (bytes) unless it already holds it."""
        try:
            with open(path, "rb") as f:
                same = f.read() == data
        except FileNotFoundError:
            same = False
        except OSError as e:
            self.fail("reading %s: %s" % (path, e))
        if same:
            if self.attrs(path, owner, group, mode):
                self.changed.append(path)
            return
        self.changed.append(path)
        if self.check:
            return
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            self.fail("%s: directory %s does not exist" % (path, parent))
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=".nomadbox-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            uid, gid = self.ids(owner, group)
            os.chown(tmp, uid, gid)
            os.chmod(tmp, int(mode, 8))
            if validate:
                rc, out, err = self.module.run_command(validate % tmp)
                if rc != 0:
                    self.fail("%s: the new content fails `%s`: %s" % (path, validate, (err or out).strip()))
            try:
                os.rename(tmp, path)
                tmp = None
            except OSError as e:
                if not unsafe_writes or e.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM):
                    raise
                with open(path, "wb") as f:
                    f.write(data)
                self.attrs(path, owner, group, mode)
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)

    def file(self, f):
        path = f["path"]
        if f["state"] == "absent":
            if os.path.lexists(path):
                self.changed.append(path)
                if not self.check:
                    os.unlink(path)
            return
        if not f["force"] and os.path.lexists(path):
            return
        try:
            data = base64.b64decode(f["content_base64"], validate=True)
        except (binascii.Error, ValueError) as e:
            self.fail("%s: content_base64 is not base64: %s" % (path, e))
        self.write(path, data, f["owner"], f["group"], f["mode"],
                   validate=f.get("validate"), unsafe_writes=f["unsafe_writes"])

    def block(self, b):
        path = b["path"]
        begin, end = b["marker"].replace("{mark}", "BEGIN"), b["marker"].replace("{mark}", "END")
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        inner = b["block"].rstrip("\n").splitlines()
        if begin in lines and end in lines and lines.index(begin) < lines.index(end):
            i, j = lines.index(begin), lines.index(end)
            new = lines[:i] + [begin] + inner + [end] + lines[j + 1:]
        else:
            new = lines + [begin] + inner + [end]
        st = os.stat(path) if os.path.exists(path) else None
        owner = pwd.getpwuid(st.st_uid).pw_name if st else "root"
        group = grp.getgrgid(st.st_gid).gr_name if st else "root"
        mode = "%o" % (st.st_mode & 0o7777) if st else "0644"
        self.write(path, ("\n".join(new) + "\n").encode("utf-8"), owner, group, mode,
                   unsafe_writes=b["unsafe_writes"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            problems=dict(type="list", elements="str", default=[]),
            users=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                group=dict(type="str"),
                home=dict(type="str", default="/nonexistent"),
                comment=dict(type="str", default=""),
                shell=dict(type="str", default="/usr/sbin/nologin"),
            )),
            directories=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True),
                owner=dict(type="str", default="root"),
                group=dict(type="str", default="root"),
                mode=dict(type="str", default="0755"),
            )),
            files=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True),
                content_base64=dict(type="str", default="", no_log=True),
                owner=dict(type="str", default="root"),
                group=dict(type="str", default="root"),
                mode=dict(type="str", default="0644"),
                state=dict(type="str", default="present", choices=["present", "absent"]),
                force=dict(type="bool", default=True),
                validate=dict(type="str"),
                unsafe_writes=dict(type="bool", default=False),
            )),
            blocks=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True),
                marker=dict(type="str", required=True),
                block=dict(type="str", required=True),
                unsafe_writes=dict(type="bool", default=False),
            )),
        ),
        supports_check_mode=True,
    )
    if module.params["problems"]:
        module.fail_json(msg=" ".join(module.params["problems"]))
    fs = Files(module)
    for u in module.params["users"]:
        fs.user(u)
    for d in module.params["directories"]:
        fs.directory(d)
    for f in module.params["files"]:
        fs.file(f)
    for b in module.params["blocks"]:
        fs.block(b)
    module.exit_json(changed=bool(fs.changed), changed_paths=fs.changed)


if __name__ == "__main__":
    main()
