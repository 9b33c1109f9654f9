# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pitr_time_problem: restore.yml checks its time with the same rules the pg_rollback module
applies, before any API call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.skillstream.heroku.plugins.module_utils.pitr import time_problem

DOCUMENTATION = r"""
name: pitr_time_problem
short_description: What is wrong with a point-in-time recovery time, or an empty string
version_added: 1.0.0
description:
  - Checks a rollback time without any API call; a timestamp with a UTC offset, not in the
    future. The window of the database (its plan, its creation) is checked by
    M(skillstream.heroku.pg_rollback).
options:
  _input:
    description: The time, for example C(2026-12-01 14:04+00).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a bad time before any API call
  ansible.builtin.assert:
    that: restore_to_time | skillstream.heroku.pitr_time_problem == ''
    fail_msg: "{{ restore_to_time | skillstream.heroku.pitr_time_problem }}"
"""

RETURN = r"""
_value:
  description: The problem in a sentence, or an empty string when the time is usable.
  type: str
"""


class FilterModule(object):
    def filters(self):
        return {"pitr_time_problem": lambda text: time_problem(str(text))}
