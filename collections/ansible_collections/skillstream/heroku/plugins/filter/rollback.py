# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""previous_good_release: what "roll back" means, from the one rollback policy
(module_utils/rollback_policy.py), which the release module applies too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.skillstream.heroku.plugins.module_utils.rollback_policy import (
    previous_good_release,
)

DOCUMENTATION = r"""
name: previous_good_release
short_description: The release a rollback without a version should go to
version_added: 1.0.0
description:
  - Among releases older than O(current), the newest that succeeded, has a slug, is
    eligible for rollback, was not undone by a later rollback, and is not the release the
    serving one already runs (the target of a "Rollback to vN" chain).
  - Returns an empty dict when there is none.
options:
  _input:
    description: Releases of the app (as the Platform API lists them), any order.
    type: list
    elements: dict
    required: true
  current:
    description: The release serving now.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Pick the release to roll back to
  ansible.builtin.set_fact:
    target: >-
      {{ app_info.releases
         | skillstream.heroku.previous_good_release(app_info.current_release) }}
"""

RETURN = r"""
_value:
  description: The release to roll back to, or an empty dict.
  type: dict
"""


class FilterModule(object):
    def filters(self):
        return {"previous_good_release": previous_good_release}
