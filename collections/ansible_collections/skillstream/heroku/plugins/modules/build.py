#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: build
short_description: Build and release a source directory on Heroku
version_added: 1.0.0
description:
  - Packs O(source_dir) into a reproducible C(.tar.gz) (sorted entries, mtime 0, owner 0:0,
    modes 0644/0755, gzip without name or time) and computes its SHA-256.
  - Skips the build when the release that is serving was built from a source with the
    same checksum, unless O(force=true). So a second run with unchanged sources
    changes nothing.
  - Otherwise uploads the tarball through C(POST /sources), starts a build, waits for it,
    reads its log, then waits for the release the build created (including its release
    phase).
  - Fails with the tail of the build log when the build fails, and with the tail of the
    release output when the release phase fails (the previous release keeps serving).
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
  source_dir:
    description: Directory holding the app (its root has the C(Procfile)).
    type: path
    required: true
  exclude:
    description:
      - Extra glob patterns left out of the tarball, added to the defaults unless
        O(default_excludes=false).
      - A pattern without C(/) matches a name at any depth (C(*.pyc)); a pattern with a
        C(/), or starting with C(/), matches from the root of O(source_dir) (C(tests/artifacts)).
    type: list
    elements: str
    default: []
  default_excludes:
    description:
      - Also exclude C(.git), C(__pycache__), C(*.pyc), C(.venv), C(venv), C(node_modules),
        caches, C(/staticfiles), C(/media), C(/db.sqlite3) and C(tests/artifacts).
    type: bool
    default: true
  version:
    description: Version of the source (a commit SHA); becomes C(source_blob.version).
    type: str
  buildpacks:
    description: Buildpacks for this build only (names or URLs). Defaults to the app's.
    type: list
    elements: str
  force:
    description: Build even when the serving release already has this checksum.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the build, and again for its release.
    type: int
    default: 1200
"""

EXAMPLES = r"""
- name: Build and release the Django app
  skillstream.heroku.build:
    app: skillstream-production
    source_dir: "{{ playbook_dir }}/skillstream"
    version: "{{ lookup('ansible.builtin.pipe', 'git rev-parse HEAD') }}"
  register: heroku_app_build

- name: Show the release it made
  ansible.builtin.debug:
    msg: "v{{ heroku_app_build.release.version }} ({{ heroku_app_build.checksum }})"
"""

RETURN = r"""
checksum:
  description: Checksum of the tarball, as Heroku stores it.
  returned: always
  type: str
  sample: SHA256:4e1243bd22c66e76c2ba9eddc1f91394e57f9f83e0d1b6d3a4c5b0b0f0c2c9a1
skipped:
  description: True when the serving release already runs this checksum and nothing was built.
  returned: always
  type: bool
build:
  description: The build (the existing one when skipped; empty in check mode).
  returned: always
  type: dict
release:
  description: The release the build created (the serving one when skipped).
  returned: always
  type: dict
  sample: {"version": 8, "status": "succeeded", "current": true}
log:
  description: The build log (empty when skipped or in check mode).
  returned: always
  type: str
files:
  description: Number of files packed.
  returned: always
  type: int
"""

import os
import tempfile
import time

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
    tail,
    wait_for,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    current_release,
    list_releases,
    wait_for_release,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.tarball import (
    DEFAULT_EXCLUDES,
    build_tarball,
)


def _version(release):
    return "v%s" % release["version"] if release and release.get("version") else None


def serving_build(client, app, release):
    """The build that produced the serving release's slug, if any."""
    slug_id = ((release or {}).get("slug") or {}).get("id")
    if not slug_id:
        return None
    for build in reversed(client.get_all(app_path(app, "builds"))):
        if (build.get("slug") or {}).get("id") == slug_id:
            return build
    return None


def run_build(hm, app, tar_file, checksum):
    client, p = hm.client, hm.params
    source = client.post("/sources")
    blob = source["source_blob"]
    client.upload(blob["put_url"], tar_file)
    body = {"source_blob": {"url": blob["get_url"], "checksum": checksum, "version": p["version"]}}
    if p["buildpacks"]:
        body["buildpacks"] = [{"url": b} for b in p["buildpacks"]]

    def recover():
        for build in client.get_all(app_path(app, "builds")):
            if (build.get("source_blob") or {}).get("url") == blob["get_url"]:
                return build
        return None

    build = client.post(app_path(app, "builds"), body, recover=recover)
    deadline = time.time() + p["wait_timeout"]
    # The output stream stays open until the build ends: reading it is the wait.
    log = client.read_stream(build.get("output_stream_url"), deadline=deadline)
    path = app_path(app, "builds", build["id"])
    build = wait_for(
        lambda: client.get(path),
        lambda b: b.get("status") != "pending",
        max(1, deadline - time.time()),
        "build %s of %s" % (build["id"], app),
        max_interval=3.0,
    )
    if build.get("status") != "succeeded":
        raise ModuleFailure(
            "Build %s of app %s failed. Build log (tail):\n%s" % (build["id"], app, tail(log)),
            build=build,
            log=log,
            checksum=checksum,
        )
    # The release appears on the build a moment after the build succeeds.
    build = wait_for(
        lambda: client.get(path),
        lambda b: (b.get("release") or {}).get("id"),
        p["wait_timeout"],
        "the release of build %s" % build["id"],
    )
    release = client.get(app_path(app, "releases", build["release"]["id"]))
    release = wait_for_release(client, app, release, max(1, deadline - time.time()))
    return build, release, log


def run(hm):
    client, p = hm.client, hm.params
    app = p["app"]
    source_dir = p["source_dir"]
    if not os.path.isdir(source_dir):
        raise ModuleFailure("source_dir %s is not a directory" % source_dir)
    if not os.path.isfile(os.path.join(source_dir, "Procfile")):
        hm.module.warn("%s has no Procfile; Heroku will guess the process types" % source_dir)
    # Read before packing: a missing app fails here with Heroku's "Couldn't find that app."
    current = current_release(list_releases(client, app))
    excludes = (DEFAULT_EXCLUDES if p["default_excludes"] else []) + list(p["exclude"])
    fd, tar_file = tempfile.mkstemp(prefix="heroku-source-", suffix=".tar.gz")
    try:
        with os.fdopen(fd, "wb") as handle:
            digest, files = build_tarball(source_dir, handle, excludes)
        checksum = "SHA256:" + digest
        built = serving_build(client, app, current)
        built_checksum = ((built or {}).get("source_blob") or {}).get("checksum")
        result = {
            "checksum": checksum,
            "files": files,
            "log": "",
            "diff": {
                "before": {"release": _version(current), "checksum": built_checksum},
                "after": {"checksum": checksum},
            },
        }
        if built_checksum == checksum and not p["force"]:
            result.update(changed=False, skipped=True, build=built, release=current)
            result["diff"]["after"]["release"] = _version(current)
            return result
        if hm.check_mode:
            result.update(changed=True, skipped=False, build={}, release={})
            return result
        build, release, log = run_build(hm, app, tar_file, checksum)
        result["diff"]["after"]["release"] = _version(release)
        result.update(changed=True, skipped=False, build=build, release=release, log=log)
        return result
    finally:
        os.unlink(tar_file)


def main():
    spec = dict(
        app=dict(type="str", required=True),
        source_dir=dict(type="path", required=True),
        exclude=dict(type="list", elements="str", default=[]),
        default_excludes=dict(type="bool", default=True),
        version=dict(type="str"),
        buildpacks=dict(type="list", elements="str"),
        force=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1200),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
