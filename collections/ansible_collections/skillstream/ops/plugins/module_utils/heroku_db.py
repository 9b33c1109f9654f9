"""Read an app's database URL from its Heroku config vars (Platform API), through
skillstream.heroku's client (its retries, errors and token handling).

The URL carries the database password: it is read here, used by the client tools
through PG* variables, and never returned to Ansible.
"""

from __future__ import annotations

import os
from typing import Optional

from ansible_collections.skillstream.heroku.plugins.module_utils.client import (
    DEFAULT_API_URL,
    HerokuClient,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.client import (
    HerokuError as PlatformError,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.common import app_path


class HerokuError(RuntimeError):
    """The Platform API refused or failed."""


def config_var(
    app: str,
    name: str = "DATABASE_URL",
    api_url: Optional[str] = None,
    api_key: Optional[str] = None,
    timeout: float = 30,
) -> str:
    """The value of one config var of `app` (GET /apps/{app}/config-vars)."""
    api_url = api_url or os.environ.get("HEROKU_API_URL") or DEFAULT_API_URL
    api_key = api_key or os.environ.get("HEROKU_API_KEY")
    if not api_key:
        raise HerokuError("no Heroku API key: set api_key or HEROKU_API_KEY")
    if not api_url.startswith(("https://", "http://")):
        raise HerokuError("the Heroku API URL must be http(s)")
    client = HerokuClient(api_key, api_url=api_url, timeout=timeout)
    try:
        config = client.get(app_path(app, "config-vars")) or {}
    except PlatformError as exc:
        raise HerokuError("reading config vars of %s failed (%s)" % (app, exc)) from None
    finally:
        client.close()
    value = config.get(name)
    if not value:
        raise HerokuError("app %s has no config var %s" % (app, name))
    return value
