# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Options many modules share, documented once. A module that means more by one of them
    # documents it itself; its own text wins over the fragment's.

    # skillstream.heroku.options.app
    APP = r"""
options:
  app:
    description: Name (or id) of the app.
    type: str
    required: true
"""

    # skillstream.heroku.options.state: the present/absent of module_utils/resource.py
    STATE = r"""
options:
  state:
    description:
      - V(present) makes the resource exist as the other options describe; V(absent)
        removes it (and does nothing when there is none).
    type: str
    choices: [present, absent]
    default: present
"""
