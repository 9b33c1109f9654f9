#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: health_check
short_description: Wait until the app's /healthz answers ok and /version names a release
version_added: 1.1.0
description:
  - Asks the app's C(/healthz) until it answers HTTP 200 with status C(ok) in its JSON, then its
    C(/version) until it names O(expect_release). A deploy, a rollback and the automatic
    recovery all wait this way after a release.
  - Asks every 0.1 s at first, then less often (x1.5) up to O(max_interval), for O(wait)
    seconds at most; then fails naming what the last answer said (status and body, or the
    release /version named instead).
  - Never reports C(changed); talks to the app only, not to the Heroku API. TLS certificates
    are checked against the trust store of requests (C(REQUESTS_CA_BUNDLE) names another).
author: SkillStream ops (@skillstream)
attributes:
  check_mode:
    support: full
    description: It only reads, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing to compare.
requirements:
  - requests
options:
  url:
    description: Base URL of the app; C(healthz) and C(version) are asked below it.
    type: str
    required: true
  expect_release:
    description: The release C(/version) must name, such as C(v12). Empty accepts any.
    type: str
    default: ""
  timeout:
    description: Seconds per HTTP request.
    type: float
    default: 10
  wait:
    description: Seconds to keep asking before failing.
    type: float
    default: 60
  max_interval:
    description: Longest pause between two checks, in seconds.
    type: float
    default: 2
"""

EXAMPLES = r"""
- name: Wait until the new release serves
  skillstream.heroku.health_check:
    url: https://skillstream-staging.herokuapp.com/
    expect_release: v42
    wait: 60
  register: health

- name: Say which commit serves
  ansible.builtin.debug:
    msg: "{{ health.version.release }} runs {{ health.version.commit }}"
"""

RETURN = r"""
healthz:
  description: The JSON body of the last C(/healthz) answer.
  returned: success
  type: dict
  sample: {"status": "ok", "db": "ok", "redis": "ok"}
version:
  description: The JSON body of the last C(/version) answer.
  returned: success
  type: dict
  sample: {"release": "v42", "commit": "3f2c1e0"}
attempts:
  description: How many times the app was asked.
  returned: always
  type: int
seconds:
  description: How long the checks took.
  returned: success
  type: float
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.skillstream.heroku.plugins.module_utils import health
from ansible_collections.skillstream.heroku.plugins.module_utils.common import ModuleFailure


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            expect_release=dict(type="str", default=""),
            timeout=dict(type="float", default=10),
            wait=dict(type="float", default=60),
            max_interval=dict(type="float", default=2),
        ),
        supports_check_mode=True,
    )
    if health.requests is None:
        module.fail_json(msg=missing_required_lib("requests"))
    p = module.params
    try:
        result = health.wait_healthy(
            p["url"], p["expect_release"] or None, p["timeout"], p["wait"], p["max_interval"]
        )
    except ModuleFailure as exc:
        module.fail_json(msg=exc.msg, **exc.result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
