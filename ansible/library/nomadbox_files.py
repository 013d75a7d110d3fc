#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""A role's users, directories, files and managed blocks, in one module run.

Each file written by ansible.builtin.copy or template costs the node a
Python start and the controller a round trip (two, with the stat before
it), and a loop multiplies that by the files; on a small machine running
several nodes that overhead was most of a provision. This module puts a
whole set in place in one run, with contents rendered on the controller.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nomadbox_files
author: nomadbox
short_description: Put a set of users, directories, files and managed blocks in place in one run
description:
  - Creates missing system users and groups, then directories, then files,
    then managed blocks (lines between two markers in a file other
    software owns too, such as /etc/hosts), in that order; removes files
    marked absent; leaves everything already as wanted untouched.
  - A file is replaced atomically (a temporary file in its directory,
    checked with I(validate) when given, renamed over the old one) and
    only when its content differs; owner, group and mode are set where only
    they differ.
  - Check mode reports what would change and changes nothing; diff mode
    gives one diff per changed path (a file marked I(secret) is named, its
    content not shown).
  - Render templates on the controller (the template or nomadbox_template
    lookup) and pass the text base64-encoded, so that no templating step
    turns a JSON or YAML text into data on the way.
options:
  problems:
    description: When not empty, the run fails with these messages joined
      and changes nothing (a role's checks of the node, without a task of
      their own).
    type: list
    elements: str
    default: []
  users:
    description: System users to create when missing, each with a group of
      its own name unless I(group) is given.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {type: str, required: true, description: The user's name.}
      group: {type: str, description: Its primary group (created when missing).}
      home: {type: str, default: /nonexistent, description: Its home (not created).}
      comment: {type: str, default: "", description: The GECOS comment.}
      shell: {type: str, default: /usr/sbin/nologin, description: Its shell.}
  directories:
    description: Directories to create, with owner, group and mode.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {type: str, required: true, description: The absolute path.}
      owner: {type: str, default: root, description: The owner.}
      group: {type: str, default: root, description: The group.}
      mode: {type: str, default: "0755", description: The mode, an octal string.}
  files:
    description: Files and their content, or I(state=absent) to remove one.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {type: str, required: true, description: The absolute path; its directory must exist.}
      content_base64: {type: str, default: "", description: The content, base64-encoded (b64encode).}
      owner: {type: str, default: root, description: The owner.}
      group: {type: str, default: root, description: The group.}
      mode: {type: str, default: "0644", description: The mode, an octal string.}
      state: {type: str, default: present, choices: [present, absent], description: Whether the file exists.}
      force: {type: bool, default: true, description: "false: keep a file that exists, whatever it holds."}
      validate: {type: str, description: "A command run on the new content (%s is its path) before it replaces the file; not run in check mode."}
      unsafe_writes: {type: bool, default: false, description: "Write in place where the file cannot be renamed over (a bind mount)."}
      secret: {type: bool, default: false, description: "Diff mode names the file but does not show its content."}
  blocks:
    description: Managed blocks in files other software owns too.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {type: str, required: true, description: The file.}
      marker: {type: str, required: true, description: "The marker line; {mark} is replaced by BEGIN and END."}
      block: {type: str, required: true, description: The lines between the markers.}
      unsafe_writes: {type: bool, default: false, description: "Write in place where the file cannot be renamed over."}
notes:
  - A missing parent directory is an error, not created; list it under
    I(directories).
  - The module_utils nomadbox_fileset holds the work; nomadbox_services
    uses the same code to put a set in place in the run that starts the
    units.
"""

EXAMPLES = r"""
- name: Write Consul's directories and files
  nomadbox_files:
    users:
      - name: consul
        home: /etc/consul.d
    directories:
      - path: /etc/consul.d
        owner: consul
        group: consul
    files:
      - path: /etc/consul.d/consul.hcl
        owner: consul
        group: consul
        mode: "0640"
        content_base64: "{{ lookup('ansible.builtin.template', 'consul.hcl.j2') | b64encode }}"
      - path: /etc/consul.d/encrypt.hcl
        state: absent
  notify: Restart consul
"""

RETURN = r"""
changed_paths:
  description: The paths changed (a user or group as C(user:NAME), C(group:NAME)).
  returned: always
  type: list
  elements: str
  sample: [/etc/consul.d/consul.hcl]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.nomadbox_fileset import FILESET_SPEC, apply_fileset


def main():
    module = AnsibleModule(argument_spec=FILESET_SPEC, supports_check_mode=True)
    changed, diffs = apply_fileset(module, module.params)
    module.exit_json(changed=bool(changed), changed_paths=changed, diff=diffs)


if __name__ == "__main__":
    main()
