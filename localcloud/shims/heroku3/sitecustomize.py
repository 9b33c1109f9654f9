"""Points the `heroku3` library (what community.general's Heroku modules use) at
`HEROKU_API_URL` (localcloud's API) instead of its fixed https://api.heroku.com.

heroku3 has no setting for its API URL and turns off requests' environment (proxies, CA
bundle), so nothing outside the process can redirect it. Put this directory first on
PYTHONPATH (`PYTHONPATH=<repo>/localcloud/shims/heroku3`) for the process that runs the
module: Python imports `sitecustomize` at startup, and this one sets `heroku3.api.HEROKU_URL`
once heroku3 is imported. Nothing else in heroku3 or the module changes."""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from typing import Any

TARGET = "heroku3.api"


class _PointHeroku3(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        url = os.environ.get("HEROKU_API_URL")
        if name != TARGET or not url:
            return None
        sys.meta_path.remove(self)  # find the real module, then patch it as it loads
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            load(module)
            module.HEROKU_URL = url.rstrip("/")

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _PointHeroku3())
