# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pitr_plan_problem: restore.yml refuses a plan without rollback before any API call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.skillstream.heroku.plugins.module_utils.pitr import plan_problem

DOCUMENTATION = r"""
name: pitr_plan_problem
short_description: Why a Heroku Postgres plan cannot roll back, or an empty string
version_added: 1.0.0
description:
  - Essential plans keep no continuous archive, so they have no rollback or fork; Standard
    plans keep 4 days, Premium, Private and Shield plans 1 week.
options:
  _input:
    description: The plan, for example C(heroku-postgresql:essential-0).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse a database plan without rollback
  ansible.builtin.assert:
    that: plan | skillstream.heroku.pitr_plan_problem == ''
    fail_msg: "{{ plan | skillstream.heroku.pitr_plan_problem }}"
"""

RETURN = r"""
_value:
  description: The problem in a sentence naming the plan, or an empty string.
  type: str
"""


class FilterModule(object):
    def filters(self):
        return {"pitr_plan_problem": lambda plan: plan_problem(str(plan))}
