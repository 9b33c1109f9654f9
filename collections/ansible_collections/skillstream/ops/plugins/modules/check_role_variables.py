#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The code is the action plugin plugins/action/check_role_variables.py; this file documents it.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: check_role_variables
short_description: Check the variables of several roles in one task, before any API call
version_added: 1.0.0
description:
  - For each role in O(roles), in order, validates the host's variables against the role's
    O(entry_point) in C(meta/argument_specs.yml), then renders the role's
    C(templates/variable_problems.j2) (the cross-variable checks its C(tasks/validate.yml)
    asserts) and fails when it names a problem. The first role with a problem stops the task
    with the same message its own entry point would give.
  - The role's C(defaults/main.yml) and C(vars/main.yml) lie beneath the host's variables, as
    they would in an C(include_role); the checks themselves stay in the role.
  - One task instead of an include, an argument check and an assert per role - what a no-op
    C(deploy.yml) spends most of its controller time on.
  - Runs on the controller; makes no API call.
options:
  roles:
    description: Role names, searched in the playbook's C(roles/) and C(roles_path).
    type: list
    elements: str
    required: true
  entry_point:
    description: The entry point of C(meta/argument_specs.yml) whose options are checked.
    type: str
    default: validate
  digest_exclude:
    description:
      - Variables left out of RV(variables_digest) (still checked). For C(deploy.yml),
        C(heroku_app_version): the version a build is given belongs to the app's source,
        which skillstream.ops.deploy_record digests on its own.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
author:
  - SkillStream ops
"""

EXAMPLES = r"""
- name: Check the variables of every role the deploy runs
  skillstream.ops.check_role_variables:
    roles: [heroku_addons, heroku_app, s3_media]
"""

RETURN = r"""
checked:
  description: The roles whose variables passed, in order.
  type: list
  elements: str
  returned: always
variables_digest:
  description:
    - sha256 of what every checked variable resolves to, role by role (values never leave the
      plugin; vault secrets are among them). Also set as the fact C(skillstream_variables_digest):
      C(deploy.yml) compares it with the last verified deploy's (skillstream.ops.deploy_record).
  type: str
  returned: success
skillstream_checked_roles:
  description:
    - The same list, as a fact, so that a role's entry point can skip the check of its
      variables that ran here (C(when: "'<role>' not in skillstream_checked_roles | default([])")).
  type: list
  elements: str
  returned: success
role:
  description: The role whose variables failed.
  type: str
  returned: failure
"""
