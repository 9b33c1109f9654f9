#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: formation
short_description: Scale and size a Heroku app's processes in one change
version_added: 1.0.0
description:
  - Applies the whole desired formation in a single batch C(PATCH /apps/{app}/formation),
    sending only the process types whose quantity or size differ.
  - Process types come from the Procfile of the serving release; a type it does not
    declare fails before any change, naming the types it does declare.
author: SkillStream ops (@skillstream)
extends_documentation_fragment:
  - skillstream.heroku.auth
  - skillstream.heroku.auth.attributes
  - skillstream.heroku.options.app
options:
  processes:
    description: The desired formation, one entry per process type.
    type: list
    elements: dict
    required: true
    suboptions:
      type:
        description: Process type from the Procfile (C(web), C(worker)).
        type: str
        required: true
      quantity:
        description: Number of dynos. Omit to keep the current quantity.
        type: int
      size:
        description: Dyno size (C(basic), C(standard-1X), C(standard-2X) ...). Omit to keep it.
        type: str
"""

EXAMPLES = r"""
- name: Run two web dynos and one worker
  skillstream.heroku.formation:
    app: skillstream-production
    processes:
      - type: web
        quantity: 2
        size: standard-1X
      - type: worker
        quantity: 1
        size: standard-1X
"""

RETURN = r"""
formation:
  description: The formation after the run (planned values in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"type": "web", "quantity": 2, "size": "Standard-1X"}]
"""

from ansible_collections.skillstream.heroku.plugins.module_utils.common import (
    HerokuModule,
    ModuleFailure,
    app_path,
)


def _view(formation):
    return dict(
        (f["type"], "%s x %s" % (f.get("quantity"), f.get("size")))
        for f in sorted(formation, key=lambda f: f["type"])
    )


def plan_updates(current, wanted):
    """The updates list for one batch PATCH: only what differs."""
    by_type = dict((f["type"], f) for f in current)
    updates = []
    for proc in wanted:
        have = by_type.get(proc["type"], {})
        update = {}
        if proc.get("quantity") is not None and have.get("quantity") != proc["quantity"]:
            update["quantity"] = proc["quantity"]
        if proc.get("size") and (have.get("size") or "").lower() != proc["size"].lower():
            update["size"] = proc["size"]
        if update or not have:
            update["type"] = proc["type"]
            updates.append(update)
    return updates


def run(hm):
    client, p = hm.client, hm.params
    path = app_path(p["app"], "formation")
    types = [proc["type"] for proc in p["processes"]]
    if len(set(types)) != len(types):
        raise ModuleFailure("processes lists a type more than once: %s" % ", ".join(types))
    for proc in p["processes"]:
        if proc.get("quantity") is not None and proc["quantity"] < 0:
            raise ModuleFailure("quantity of %s must be 0 or more" % proc["type"])
    current = client.get_all(path)
    known = sorted(f["type"] for f in current)
    unknown = [t for t in types if t not in known]
    if unknown:
        raise ModuleFailure(
            "App %s has no process type %s; its release declares: %s (see its Procfile)"
            % (p["app"], ", ".join(unknown), ", ".join(known) or "none (nothing released yet)")
        )
    updates = plan_updates(current, p["processes"])
    after = [dict(f) for f in current]
    if updates and hm.check_mode:
        by_type = dict((f["type"], f) for f in after)
        for update in updates:
            by_type.setdefault(update["type"], {"type": update["type"]}).update(update)
        after = list(by_type.values())
    elif updates:
        client.patch(path, {"updates": updates})
        after = client.get_all(path)
    return {
        "changed": bool(updates),
        "formation": after,
        "diff": {"before": _view(current), "after": _view(after)},
    }


def main():
    spec = dict(
        app=dict(type="str", required=True),
        processes=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                type=dict(type="str", required=True),
                quantity=dict(type="int"),
                size=dict(type="str"),
            ),
        ),
    )
    HerokuModule(spec).run(run)


if __name__ == "__main__":
    main()
