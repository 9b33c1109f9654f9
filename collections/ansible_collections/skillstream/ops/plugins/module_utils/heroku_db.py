"""Read an app's database URL from its Heroku config vars (Platform API).

The URL carries the database password: it is read here, used by the client tools
through PG* variables, and never returned to Ansible.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Optional
from urllib.parse import quote

DEFAULT_API_URL = "https://api.heroku.com"


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
    api_url = (api_url or os.environ.get("HEROKU_API_URL") or DEFAULT_API_URL).rstrip("/")
    api_key = api_key or os.environ.get("HEROKU_API_KEY")
    if not api_key:
        raise HerokuError("no Heroku API key: set api_key or HEROKU_API_KEY")
    if not api_url.startswith(("https://", "http://")):
        raise HerokuError("the Heroku API URL must be http(s)")
    req = urllib.request.Request(  # noqa: S310 - scheme checked above
        "%s/apps/%s/config-vars" % (api_url, quote(app, safe="")),
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": "Bearer " + api_key,
            "User-Agent": "skillstream-ops",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            config = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read())
            detail = "%s: %s" % (body.get("id"), body.get("message"))
        except ValueError:
            detail = str(exc)
        raise HerokuError("reading config vars of %s failed (%s)" % (app, detail)) from None
    except (urllib.error.URLError, OSError) as exc:
        raise HerokuError("reading config vars of %s failed: %s" % (app, exc)) from None
    value = config.get(name)
    if not value:
        raise HerokuError("app %s has no config var %s" % (app, name))
    return value
