"""Wiping an instance: what its add-ons made outside its home, then the home itself."""

from __future__ import annotations

import shutil

from localcloud import addons
from localcloud.settings import Settings
from localcloud.store import Store


def wipe(settings: Settings) -> None:
    """Drop every add-on's backing service and delete the home (the instance must be down)."""
    if settings.db_path.exists():
        store = Store(settings.db_path)
        for addon in store.list("addon"):
            addons.destroy_backing(addon)
        store.close()
    if settings.home.exists():
        shutil.rmtree(settings.home, ignore_errors=True)
