#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: source_facts
short_description: Describe an app root before a build (commit, migrations checksum, build version)
version_added: 1.1.0
description:
  - Reads the git commit of a directory and a checksum over its Django migration files,
    and composes the version a build records with its slug
    (C(<version or commit>+m.<12 hex>)). A later deploy compares the migrations part with
    the serving slug's commit to decide whether a backup must come before the release.
  - Reads only; talks to no API.
author: SkillStream ops (@skillstream)
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs in check mode as in a normal run.
  diff_mode:
    support: none
    description: Reads only.
options:
  path:
    description: The app root (the directory the build packs).
    type: path
    required: true
  version:
    description:
      - The version to record instead of the commit (for example a release tag).
      - Empty uses the commit, or C(unversioned) outside git.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Describe the source tree
  skillstream.heroku.source_facts:
    path: "{{ playbook_dir }}/skillstream"
  register: source

- name: Build it with that version
  skillstream.heroku.build:
    app: skillstream-staging
    source_dir: "{{ playbook_dir }}/skillstream"
    version: "{{ source.version }}"
"""

RETURN = r"""
commit:
  description: The git commit of the directory, C(-dirty) appended when the tree under it has
    uncommitted changes; empty outside git.
  returned: always
  type: str
  sample: 2251b74c0ffee0000000000000000000000000000
migrations_sha256:
  description: SHA-256 over the relative path and content of every C(*/migrations/*.py).
  returned: always
  type: str
migrations:
  description: How many migration files there are.
  returned: always
  type: int
version:
  description:
    - The version a build of this tree records,
      C(<version or commit>+m.<first 12 hex of migrations_sha256>).
  returned: always
  type: str
  sample: 2251b74c0ffee0000000000000000000000000000+m.0123456789ab
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.heroku.plugins.module_utils.source_facts import (
    source_facts,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            version=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    if not os.path.isdir(path):
        module.fail_json(msg="The app root %s is not a directory" % path)
    module.exit_json(changed=False, **source_facts(path, module.params["version"]))


if __name__ == "__main__":
    main()
