# -*- coding: utf-8 -*-
"""The file sets' template lookup, without a deep copy of every variable.

ansible.builtin.template deep-copies all of a host's variables (every role's
defaults, the inventory, the facts) for each template it renders, so that the
template's own additions cannot leak back. The roles render about a dozen
templates per node in the one file set task, and those copies were most
of that task's time on the controller (cProfile of a worker: 0.79 of 1.66 s).
The roles' templates only read variables, so a shallow copy with the
template's own variables on top renders the same text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: nomadbox_template
author: nomadbox
short_description: The text of a Jinja2 template file, rendered with the host's variables
description:
  - Renders each file with every variable of the host, plus the variables
    Ansible's template lookup adds (template_path, ansible_managed and the
    others), and returns the text as it is (no conversion of YAML or
    JSON into data), trailing newlines kept.
  - Unlike ansible.builtin.template it does not deep-copy the variables;
    the templates must not modify them in place.
options:
  _terms:
    description: The template files, looked up like ansible.builtin.template
      looks them up (a role's templates/ directory, then the play's).
    required: true
"""

RETURN = r"""
_raw:
  description: The rendered text of each file.
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase
from ansible.template import AnsibleEnvironment, generate_ansible_template_vars
from ansible.utils.native_jinja import NativeJinjaText


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        templar = self._templar.copy_with_new_env(environment_class=AnsibleEnvironment)
        # Where {% include %} looks: the file's own directory, then each
        # search path and its templates/ directory.
        search = []
        for p in variables.get("ansible_search_path", []):
            search += [os.path.join(p, "templates"), p]
        out = []
        for term in terms:
            path = self.find_file_in_search_path(variables, "templates", term)
            if not path:
                raise AnsibleError("the template file %s could not be found for the lookup" % term)
            data, _ = self._loader._get_file_contents(path)
            local = dict(variables)
            local.update(generate_ansible_template_vars(term, path))
            with templar.set_temporary_context(available_variables=local, searchpath=[os.path.dirname(path)] + search):
                text = templar.template(to_text(data, errors="surrogate_or_strict"), preserve_trailing_newlines=True,
                                        convert_data=False, escape_backslashes=False)
            # Text, not data: nothing later may read it as YAML or a literal.
            out.append(NativeJinjaText(text))
        return out
