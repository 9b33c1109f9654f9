"""community.general.heroku_collaborator (Ansible's own Heroku module, on the heroku3 library)
manages an app's collaborators on localcloud through ansible-playbook.

heroku3 has its API URL fixed to https://api.heroku.com and ignores the environment, so the
module's Python gets localcloud/shims/heroku3 on PYTHONPATH (docs/contracts.md says why)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO, HerokuSession
from tests.playbooks.conftest import run_playbook

SHIM = REPO / "localcloud" / "shims" / "heroku3"

PLAYBOOK = """
- name: Collaborators with community.general.heroku_collaborator
  hosts: localhost
  connection: local
  gather_facts: false
  # The shim is a sitecustomize, read when a Python starts: each module needs a fresh
  # interpreter, which Mitogen's persistent one (ansible.cfg's strategy) is not.
  strategy: ansible.builtin.linear
  environment:
    PYTHONPATH: "{shim}"
    HEROKU_API_URL: "{api_url}"
  tasks:
    - name: Add the collaborator
      community.general.heroku_collaborator:
        user: "{user}"
        apps: ["{app}"]
        suppress_invitation: true
      register: added

    - name: Add it again (nothing to do)
      community.general.heroku_collaborator:
        user: "{user}"
        apps: ["{app}"]
      register: again

    - name: Remove it in check mode (nothing removed)
      community.general.heroku_collaborator:
        user: "{user}"
        apps: ["{app}"]
        state: absent
      check_mode: true
      register: checked

    - name: Read the collaborators
      ansible.builtin.uri:
        url: "{api_url}/apps/{app}/collaborators"
        headers:
          Accept: application/vnd.heroku+json; version=3
          Authorization: "Bearer {{{{ lookup('ansible.builtin.env', 'HEROKU_API_KEY') }}}}"
      register: listed

    - name: Remove the collaborator
      community.general.heroku_collaborator:
        user: "{user}"
        apps: ["{app}"]
        state: absent
      register: removed

    - name: A missing app is reported
      community.general.heroku_collaborator:
        user: "{user}"
        apps: ["no-such-app-{suffix}"]
      register: missing
      ignore_errors: true

    - name: What each step did
      ansible.builtin.assert:
        that:
          - added is changed and added.msg == ["{app}"]
          - again is not changed
          - checked is changed
          - "'{user}' in (listed.json | map(attribute='user.email'))"
          - removed is changed
          - missing is failed and missing.msg == "App no-such-app-{suffix} does not exist"
"""


@pytest.mark.timeout(300)
def test_heroku_collaborator_module_adds_and_removes(localcloud, tmp_path: Path) -> None:
    api = HerokuSession(localcloud.api_url, localcloud.api_key)
    app = f"collab-{uuid.uuid4().hex[:8]}"
    assert api.post("/apps", json={"name": app}).status_code == 201
    user = f"dev-{uuid.uuid4().hex[:6]}@example.com"
    book = tmp_path / "collaborators.yml"
    book.write_text(PLAYBOOK.format(shim=SHIM, api_url=localcloud.api_url, app=app, user=user,
                                    suffix=uuid.uuid4().hex[:6]))  # fmt: skip
    try:
        run = run_playbook(
            "-i", "localhost,", str(book), "-e", f"ansible_python_interpreter={sys.executable}",
            state_dir=tmp_path, env={"HEROKU_API_KEY": localcloud.api_key}, timeout=240,
        )  # fmt: skip
        assert run.rc == 0, run.tail()
        emails = [c["user"]["email"] for c in api.get(f"/apps/{app}/collaborators").json()]
        assert user not in emails, emails
    finally:
        api.delete(f"/apps/{app}")
