# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The present/absent logic of every module that manages one Heroku resource, once.

A module declares its resource (as cloudscale's collection does with its base class): how to
find it, where to create it and with what body, what to PATCH when it differs, how to delete
it, and what the diff and the result show. ``HerokuResource.ensure()`` does the rest: check
mode (nothing written, the result says what would be), the diff (through ``view``, which
masks secrets), ``changed``, and a create that survives a dropped connection (``find`` runs
before a POST is sent again).
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

from typing import Any, Optional

from ansible_collections.skillstream.heroku.plugins.module_utils.common import HerokuModule


class HerokuResource:
    """One resource a module manages. Override the hooks; call ``ensure()``.

    ``result_key`` names the resource in the module's result. A resource that always exists
    and is only ever changed (a feature flag, an app's formation) overrides ``find`` and
    ``updates`` only; ``state`` is then not an option of the module.
    """

    result_key = "resource"
    api = "platform"  # or "data": the Postgres data API

    def __init__(self, hm: HerokuModule) -> None:
        self.hm = hm
        self.client = hm.client
        self.params = hm.params

    # -- the hooks a module declares ----------------------------------------------------

    def find(self) -> Optional[dict[str, Any]]:
        """The resource as it is now, or None."""
        raise NotImplementedError

    def create_path(self) -> str:
        raise NotImplementedError

    def create_body(self) -> dict[str, Any]:
        raise NotImplementedError

    def item_path(self, found: dict[str, Any]) -> str:
        raise NotImplementedError

    def updates(self, found: dict[str, Any]) -> dict[str, Any]:
        """What to PATCH so ``found`` becomes what the options ask for ({}: nothing)."""
        return {}

    def view(self, resource: Optional[dict[str, Any]]) -> dict[str, Any]:
        """What the diff shows of a resource, or of None (no resource); mask secrets here."""
        return dict(resource or {})

    def public(self, resource: Optional[dict[str, Any]]) -> dict[str, Any]:
        """What the result returns of a resource; {} for none."""
        return dict(resource or {})

    def preview_create(self, body: dict[str, Any]) -> dict[str, Any]:
        """In check mode: the resource a create with ``body`` would make."""
        return dict(body)

    def preview_update(self, found: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
        """In check mode: ``found`` as the PATCH of ``update`` would leave it."""
        return dict(found, **update)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST the new resource; after a dropped connection ``find`` tells whether it was made."""
        return self.client.post(self.create_path(), body, api=self.api, recover=self.find)

    def update(self, found: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Apply ``updates(found)``: a PATCH, unless the API replaces the resource another way."""
        return self.client.patch(self.item_path(found), changes, api=self.api)

    def created(self, resource: dict[str, Any]) -> dict[str, Any]:
        """After a real create or update (not in check mode): e.g. wait until it is ready."""
        return resource

    # -- the one implementation --------------------------------------------------------

    @property
    def wanted_state(self) -> str:
        return self.params.get("state") or "present"

    def ensure(self) -> dict[str, Any]:
        found = self.find()
        before = self.view(found)
        if self.wanted_state == "absent":
            return self._result(bool(found), found, {}, before, self._delete(found))
        if found is None:
            return self._result(True, None, self._create(), before)
        update = self.updates(found)
        if not update:
            return self._result(False, found, found, before)
        if self.hm.check_mode:
            return self._result(True, found, self.preview_update(found, update), before)
        after = self.update(found, update)
        return self._result(True, found, self.created(after), before)

    def _create(self) -> dict[str, Any]:
        body = self.create_body()
        if self.hm.check_mode:
            return self.preview_create(body)
        return self.created(self.create(body))

    def _delete(self, found: Optional[dict[str, Any]]) -> None:
        if found and not self.hm.check_mode:
            self.client.delete(self.item_path(found), api=self.api)

    def _result(self, changed, found, after, before, _deleted=None) -> dict[str, Any]:
        return {
            "changed": changed,
            self.result_key: self.public(after),
            "diff": {"before": before, "after": self.view(after or None)},
        }
