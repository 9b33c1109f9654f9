#!/usr/bin/python
# ruff: noqa: E402
"""Record a release and its deploy in Sentry."""

from __future__ import annotations

DOCUMENTATION = r"""
module: sentry_release
short_description: Record a release and a deploy in Sentry
version_added: 1.0.0
description:
  - Creates the release O(version) for O(projects) in the organisation O(org), unless it
    exists with those projects, and records a deploy of it to O(environment), unless one is
    recorded already. Idempotent.
  - Uses Sentry's Web API with an auth token (organisation token with C(project:releases)).
options:
  api_url:
    description: Sentry's base URL (self-hosted or a local receiver in tests).
    type: str
    default: https://sentry.io
  token:
    description: Sentry auth token. Defaults to C(SENTRY_AUTH_TOKEN).
    type: str
  org:
    description: Organisation slug.
    type: str
    required: true
  projects:
    description: Project slugs the release belongs to.
    type: list
    elements: str
    required: true
  version:
    description: Release version, as the app reports it in C(SENTRY_RELEASE) (for example C(v42)).
    type: str
    required: true
  ref:
    description: Commit the release was built from.
    type: str
    default: ""
  url:
    description: URL of the release or the deployed app.
    type: str
    default: ""
  environment:
    description: Environment of the deploy. No deploy is recorded when empty.
    type: str
    default: ""
  deploy_name:
    description: Name of the deploy.
    type: str
    default: ""
  timeout:
    description: Seconds per request.
    type: int
    default: 30
attributes:
  check_mode:
    support: full
    description: Reads and reports what would be created.
author:
  - SkillStream operations
"""

EXAMPLES = r"""
- name: Tell Sentry about the release
  skillstream.ops.sentry_release:
    org: skillstream
    projects: [skillstream-web]
    version: v42
    ref: 3f2c1d0
    environment: production
    token: "{{ vault_sentry_api_token }}"
  no_log: true
"""

RETURN = r"""
release:
  description: The release as Sentry returns it.
  returned: success and not check mode
  type: dict
deploy:
  description: The deploy recorded (or found) for O(environment).
  returned: when O(environment) is given and not check mode
  type: dict
created:
  description: What was created, C(release) and/or C(deploy).
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.skillstream.ops.plugins.module_utils.sentry import (
    SentryClient,
    SentryError,
)


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec={
            "api_url": {"type": "str", "default": "https://sentry.io"},
            "token": {"type": "str", "no_log": True},
            "org": {"type": "str", "required": True},
            "projects": {"type": "list", "elements": "str", "required": True},
            "version": {"type": "str", "required": True},
            "ref": {"type": "str", "default": ""},
            "url": {"type": "str", "default": ""},
            "environment": {"type": "str", "default": ""},
            "deploy_name": {"type": "str", "default": ""},
            "timeout": {"type": "int", "default": 30},
        },
        supports_check_mode=True,
    )
    p = module.params
    token = p["token"] or os.environ.get("SENTRY_AUTH_TOKEN")
    if not token:
        module.fail_json(msg="a Sentry token is required (token or SENTRY_AUTH_TOKEN)")
    module.no_log_values.add(token)
    created = []
    try:
        client = SentryClient(p["api_url"], token, p["org"], p["timeout"])
        release = client.release(p["version"])
        have = {proj.get("slug") for proj in (release or {}).get("projects", [])}
        if release is None or not set(p["projects"]) <= have:
            created.append("release")
            if not module.check_mode:
                release = client.create_release(p["version"], p["projects"], p["ref"], p["url"])
        deploy = None
        if p["environment"]:
            found = [
                d for d in client.deploys(p["version"]) if d.get("environment") == p["environment"]
            ]
            deploy = found[-1] if found else None
            if deploy is None:
                created.append("deploy")
                if not module.check_mode:
                    deploy = client.create_deploy(
                        p["version"], p["environment"], p["deploy_name"], p["url"]
                    )
    except SentryError as exc:
        module.fail_json(msg=str(exc), created=created)
    module.exit_json(changed=bool(created), created=created, release=release, deploy=deploy)


if __name__ == "__main__":
    main()
