#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: deploy_lock
short_description: Take or release the per-app deploy lock on the control host
version_added: 1.1.0
description:
  - One deploy, promotion or rollback of an app at a time on this control host. The lock is
    a directory C(<path>/<name>.lock) made with C(mkdir), which is atomic, holding the
    owner (pid and start time of the C(ansible-playbook) run, host, purpose, expiry).
  - The owner is the outermost C(ansible-playbook) process above the module, that is the
    run, under the C(linear) strategy and under Mitogen's C(mitogen_linear) alike. A lock
    the same run holds is taken again at once (re-entrant).
  - A lock whose owner process is gone (a crashed or killed run) or whose expiry passed is
    abandoned and taken over at once, with a warning that names the previous owner.
  - Never reports C(changed); the lock is bookkeeping on the control host, not a change to
    any app.
  - Talks to no API.
author: SkillStream ops (@skillstream)
attributes:
  check_mode:
    support: full
    description:
      - Takes and releases the lock in check mode too, so a check run never reads an app
        in the middle of another run's release.
  diff_mode:
    support: none
    description: Nothing to compare.
  platform:
    platforms: posix
    support: full
    description:
      - Owner liveness is read from C(/proc) (Linux); elsewhere only the expiry frees a lock.
options:
  name:
    description: Name of the lock, normally the app's name.
    type: str
    required: true
  path:
    description: Directory that holds the locks of this control host (made when missing).
    type: path
    required: true
  state:
    description:
      - C(present) takes the lock, waiting up to O(wait) seconds for another owner.
      - C(absent) releases it when this run holds it; a lock another run holds is left in
        place, with a warning.
    type: str
    choices: [present, absent]
    default: present
  ttl:
    description: Seconds after which a lock counts as abandoned even if its owner still runs.
    type: int
    default: 3600
  wait:
    description: Seconds to wait for another run's lock before failing (C(0) fails at once).
    type: int
    default: 900
  purpose:
    description: What the run does (C(deploy), C(promote), C(rollback)), for the messages.
    type: str
    default: deploy
  owner_pid:
    description:
      - Process that owns the lock. C(0), the default, means the C(ansible-playbook) run.
      - For tests and tools that hold a lock on behalf of another process.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Take the deploy lock of skillstream-production
  skillstream.heroku.deploy_lock:
    name: skillstream-production
    path: "{{ lookup('ansible.builtin.env', 'HOME') }}/.local/state/skillstream/locks"
    state: present
    wait: 900

- name: Release it
  skillstream.heroku.deploy_lock:
    name: skillstream-production
    path: "{{ lookup('ansible.builtin.env', 'HOME') }}/.local/state/skillstream/locks"
    state: absent
"""

RETURN = r"""
acquired:
  description: Whether this run holds the lock now.
  returned: state=present
  type: bool
released:
  description: Whether the lock was removed (false when none was there or another run holds it).
  returned: state=absent
  type: bool
owner:
  description: The holder of the lock (this run, or on failure the other run).
  returned: always
  type: dict
  sample: {"pid": 4242, "host": "ci-1", "purpose": "deploy", "since": "2026-01-02T03:04:05Z"}
took_over:
  description: The owner of an abandoned lock this run replaced, or null.
  returned: state=present
  type: dict
reentrant:
  description: Whether this run already held the lock.
  returned: state=present
  type: bool
waited:
  description: Seconds spent waiting for another run.
  returned: state=present
  type: float
lock:
  description: Path of the lock directory.
  returned: always
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.heroku.plugins.module_utils.deploy_lock import (
    acquire,
    describe,
    owner_record,
    playbook_pid,
    release,
)


def take(module, lock, owner):
    params = module.params
    result = acquire(lock, owner, params["ttl"], params["wait"])
    if not result["acquired"]:
        holder = result["owner"] or {}
        module.fail_json(
            msg="Another %s of %s holds the lock %s (%s); waited %s s."
            % (
                holder.get("purpose", "run"),
                params["name"],
                lock,
                describe(holder),
                result["waited"],
            ),
            lock=lock,
            **result,
        )
    previous = result["took_over"]
    if previous:
        module.warn(
            "Took over the lock of %s left by pid %s (%s since %s), which is no longer running "
            "or expired."
            % (
                params["name"],
                previous.get("pid", "?"),
                previous.get("purpose", "deploy"),
                previous.get("since", "?"),
            )
        )
    return result


def give_back(module, lock, owner):
    result = release(lock, owner)
    holder = result["owner"]
    if not result["released"] and holder:
        module.warn(
            "The lock %s is held by another run (%s), not this one; left in place."
            % (lock, describe(holder))
        )
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            path=dict(type="path", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            ttl=dict(type="int", default=3600),
            wait=dict(type="int", default=900),
            purpose=dict(type="str", default="deploy"),
            owner_pid=dict(type="int", default=0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for option in ("ttl", "wait"):
        if params[option] < 0:
            module.fail_json(msg="%s must be 0 or more seconds, got %s" % (option, params[option]))
    lock = os.path.join(params["path"], "%s.lock" % params["name"])
    owner = owner_record(params["owner_pid"] or playbook_pid(), params["purpose"])
    if params["state"] == "present":
        result = take(module, lock, owner)
    else:
        result = give_back(module, lock, owner)
    module.exit_json(changed=False, lock=lock, **result)


if __name__ == "__main__":
    main()
