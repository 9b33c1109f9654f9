#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: smoke_test
short_description: Smoke-test SkillStream's user features over HTTP, as a browser uses them
version_added: 1.1.0
description:
  - A new user signs up, logs out and in again and uploads a video (direct to storage when
    the app offers it). While the worker publishes it, a second, persistent user (signed up
    on the first run) logs in; the video is then watched, and the second user likes it,
    comments, subscribes and finds it in the feed and in search. The first user then
    deletes the video, so runs leave nothing behind.
  - Fails naming the first step that failed and what it saw.
  - Never reports C(changed); it exercises the app and changes nothing a deploy manages.
  - Talks to the app only, not to the Heroku API.
author: SkillStream ops (@skillstream)
attributes:
  check_mode:
    support: full
    description:
      - In check mode it only reads (health, home page, search), unless O(read_only) says
        otherwise.
  diff_mode:
    support: none
    description: Nothing to compare.
requirements:
  - requests
options:
  url:
    description: Base URL of the app.
    type: str
    required: true
  email:
    description: E-mail of the persistent second user.
    type: str
    default: smoke-subscriber@example.com
  password:
    description:
      - Password of the persistent second user, at least 12 characters. Needed unless the
        test is read-only.
    type: str
  read_only:
    description:
      - Only read (health, home page, search). Default is true in check mode, else false.
    type: bool
  timeout:
    description: Seconds per HTTP request.
    type: float
    default: 20
  publish_wait:
    description: Seconds to wait for the worker to publish the uploaded video.
    type: float
    default: 90
"""

EXAMPLES = r"""
- name: Smoke-test the app
  skillstream.heroku.smoke_test:
    url: https://skillstream-staging.herokuapp.com/
    email: smoke-subscriber@skillstream-staging.example.com
    password: "{{ vault_smoke_password }}"
  register: smoke

- name: Show the steps
  ansible.builtin.debug:
    msg: "{{ smoke.steps | map(attribute='step') | join(', ') }} in {{ smoke.seconds }} s"
"""

RETURN = r"""
ok:
  description: Whether every step passed.
  returned: always
  type: bool
url:
  description: The URL tested.
  returned: always
  type: str
seconds:
  description: How long the test took.
  returned: always
  type: float
steps:
  description: Every step run, in order, with C(step), C(ok), C(ms) and C(detail).
  returned: always
  type: list
  elements: dict
  sample: [{"step": "health", "ok": true, "ms": 12, "detail": "db=ok, redis=ok"}]
failed_step:
  description: The first step that failed (as in RV(steps)), or null.
  returned: always
  type: dict
read_only:
  description: Whether the test only read.
  returned: always
  type: bool
video:
  description: The id of the video the test uploaded (and deleted).
  returned: when the upload step passed
  type: int
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.skillstream.heroku.plugins.module_utils.smoke import (
    HAS_REQUESTS,
    report,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            email=dict(type="str", default="smoke-subscriber@example.com"),
            password=dict(type="str", no_log=True),
            read_only=dict(type="bool"),
            timeout=dict(type="float", default=20),
            publish_wait=dict(type="float", default=90),
        ),
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    params = module.params
    read_only = module.check_mode if params["read_only"] is None else params["read_only"]
    result = report(
        params["url"],
        read_only,
        params["timeout"],
        params["publish_wait"],
        params["email"],
        params["password"] or "",
    )
    result["failed_step"] = result.pop("failed")
    result["read_only"] = read_only
    if result.get("error"):
        module.fail_json(msg="Smoke test not run: %s" % result.pop("error"), **result)
    if not result["ok"]:
        step = result["failed_step"] or {}
        module.fail_json(
            msg='Smoke test failed at "%s": %s' % (step.get("step", "?"), step.get("detail", "")),
            **result,
        )
    module.exit_json(
        changed=False,
        msg="Smoke test passed in %s s: %s"
        % (result["seconds"], ", ".join(s["step"] for s in result["steps"])),
        **result,
    )


if __name__ == "__main__":
    main()
