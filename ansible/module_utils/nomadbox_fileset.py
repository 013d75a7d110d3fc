# -*- coding: utf-8 -*-
"""A role's file set (users, directories, files, managed blocks) put in
place in one module run, with check mode and diff mode.

Shared by the nomadbox_files module (one role's set, or every role's in
one run under nomadbox's site.yml) and nomadbox_services (which puts the
set in place itself where nothing is installed between the files and the
services: one module run on the node instead of two).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import errno
import grp
import os
import pwd
import tempfile

# The argument spec of a file set (nomadbox_files' options, nomadbox_services'
# fileset option).
FILESET_SPEC = dict(
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
        secret=dict(type="bool", default=False),
    )),
    blocks=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="str", required=True),
        marker=dict(type="str", required=True),
        block=dict(type="str", required=True),
        unsafe_writes=dict(type="bool", default=False),
    )),
)

# What a secret file's diff shows instead of its contents (two texts: a
# diff whose two sides are equal is not shown at all).
HIDDEN_BEFORE = "(a secret: the content on the node is not shown)\n"
HIDDEN_AFTER = "(a secret: the new content is not shown)\n"


def _text(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "(binary content, %d bytes)\n" % len(data)


class Files:
    """Puts entries in place, recording the paths it changed (changed) and,
    for diff mode, what each change was (diffs)."""

    def __init__(self, module):
        self.module = module
        self.check = module.check_mode
        self.changed = []
        self.diffs = []

    def fail(self, msg, **kw):
        self.module.fail_json(msg=msg, changed_paths=self.changed, **kw)

    def note(self, path, before, after):
        self.changed.append(path)
        self.diffs.append(dict(before_header=path, after_header=path, before=before, after=after))

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
            self.note("group:" + group, "", "system group %s\n" % group)
            if not self.check:
                self.run(["groupadd", "--system", group])
        try:
            pwd.getpwnam(u["name"])
            return
        except KeyError:
            pass
        self.note("user:" + u["name"], "", "system user %s (group %s, home %s)\n" % (u["name"], group, u["home"]))
        if not self.check:
            self.run(["useradd", "--system", "--gid", group, "--home-dir", u["home"], "--no-create-home",
                      "--shell", u["shell"], "--comment", u["comment"], u["name"]])

    def attrs(self, path, owner, group, mode):
        """Sets owner, group and mode of an existing path; what differed, as
        (before, after) texts, or None."""
        st = os.lstat(path)
        uid, gid = self.ids(owner, group)
        want = int(mode, 8)
        before, after = [], []
        if (st.st_uid, st.st_gid) != (uid, gid) and uid >= 0:
            before.append("owner %d:%d" % (st.st_uid, st.st_gid))
            after.append("owner %s:%s" % (owner, group))
            if not self.check:
                os.chown(path, uid, gid)
        if st.st_mode & 0o7777 != want:
            before.append("mode %04o" % (st.st_mode & 0o7777))
            after.append("mode %04o" % want)
            if not self.check:
                os.chmod(path, want)
        if not before:
            return None
        return ", ".join(before) + "\n", ", ".join(after) + "\n"

    def directory(self, d):
        path = d["path"]
        if not os.path.isdir(path):
            self.note(path, "", "directory, owner %s:%s, mode %s\n" % (d["owner"], d["group"], d["mode"]))
            if self.check:
                return
            os.makedirs(path, exist_ok=True)
            self.attrs(path, d["owner"], d["group"], d["mode"])
            return
        differs = self.attrs(path, d["owner"], d["group"], d["mode"])
        if differs:
            self.note(path, *differs)

    def write(self, path, data, owner, group, mode, validate=None, unsafe_writes=False, secret=False):
        """Replaces path with data (bytes) unless it already holds it."""
        try:
            with open(path, "rb") as f:
                old = f.read()
        except FileNotFoundError:
            old = None
        except OSError as e:
            self.fail("reading %s: %s" % (path, e))
        if old == data:
            differs = self.attrs(path, owner, group, mode)
            if differs:
                self.note(path, *differs)
            return
        if secret:
            self.note(path, "" if old is None else HIDDEN_BEFORE, HIDDEN_AFTER)
        else:
            self.note(path, "" if old is None else _text(old), _text(data))
        if self.check:
            return
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            self.fail("%s: directory %s does not exist" % (path, parent))
        self.replace(path, data, owner, group, mode, validate, unsafe_writes)

    def replace(self, path, data, owner, group, mode, validate, unsafe_writes):
        """Writes data to a temporary file beside path, checks it with
        validate, and renames it over path (in place with unsafe_writes,
        where path is a bind mount that cannot be renamed over)."""
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".nomadbox-")
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
                self.note(path, HIDDEN_BEFORE if f["secret"] else "present\n", "")
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
                   validate=f.get("validate"), unsafe_writes=f["unsafe_writes"], secret=f["secret"])

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


def apply_fileset(module, fileset):
    """Puts fileset (FILESET_SPEC's options) in place; returns the paths it
    changed and a diff per change. Fails, changing nothing, when the set's
    problems list is not empty."""
    if fileset["problems"]:
        module.fail_json(msg=" ".join(fileset["problems"]))
    fs = Files(module)
    for u in fileset["users"]:
        fs.user(u)
    for d in fileset["directories"]:
        fs.directory(d)
    for f in fileset["files"]:
        fs.file(f)
    for b in fileset["blocks"]:
        fs.block(b)
    return fs.changed, fs.diffs
