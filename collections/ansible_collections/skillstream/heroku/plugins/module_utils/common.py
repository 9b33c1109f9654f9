# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module of the collection shares: options, the client, results, waiting."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import time
import traceback
from typing import Any, Callable

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote  # type: ignore

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib
from ansible_collections.skillstream.heroku.plugins.module_utils.client import (
    DEFAULT_API_URL,
    DEFAULT_DATA_API_URL,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    HerokuClient,
    HerokuError,
)

MASK = "********"


def heroku_argument_spec() -> dict[str, dict[str, Any]]:
    """The options of the ``skillstream.heroku.auth`` doc fragment."""
    return dict(
        api_url=dict(
            type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["HEROKU_API_URL"])
        ),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["HEROKU_API_KEY"])),
        data_api_url=dict(
            type="str",
            default=DEFAULT_DATA_API_URL,
            fallback=(env_fallback, ["HEROKU_DATA_API_URL"]),
        ),
        timeout=dict(type="int", default=30),
        max_retry_wait=dict(type="float", default=120.0),
    )


class ModuleFailure(Exception):
    """Raised by module code to end the run with a clean failure message."""

    def __init__(self, msg, **result):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


class WaitTimeout(ModuleFailure):
    """A bounded wait ran out."""


class HerokuModule:
    """An ``AnsibleModule`` with a ready ``HerokuClient`` and tidy exits."""

    def __init__(self, argument_spec: dict[str, Any], **kwargs: Any) -> None:
        spec = heroku_argument_spec()
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        self._spec = spec
        self._relax_masking()
        self.check_mode = self.module.check_mode
        self.diff_mode = self.module._diff
        self.client = None
        if not HAS_REQUESTS:
            self.fail(missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        if not self.params["api_key"]:
            self.fail(
                "No Heroku API token: set the api_key option or the HEROKU_API_KEY "
                "environment variable"
            )
        if self.params["timeout"] <= 0:
            self.fail(
                "timeout must be a positive number of seconds, got %s" % self.params["timeout"]
            )
        self.client = HerokuClient(
            api_key=self.params["api_key"],
            api_url=self.params["api_url"],
            data_api_url=self.params["data_api_url"],
            timeout=self.params["timeout"],
            max_retry_wait=self.params["max_retry_wait"],
        )

    def _relax_masking(self):
        """Keep masking real secrets, not every "1" or "true" in the output.

        Ansible hides each no_log value wherever it appears in a result, so a config
        var such as WEB_CONCURRENCY=3 would turn every "3" of every message into
        "********". Values that short carry no secret; the module never echoes values
        anyway, and the invocation is replaced by a fully masked copy (see _invocation).
        """
        trivial = ("true", "false", "none", "null", "yes", "no", "on", "off")
        self.module.no_log_values = set(
            value
            for value in self.module.no_log_values
            if len(str(value)) >= 4 and str(value).lower() not in trivial
        )

    def _invocation(self):
        """The module arguments with every no_log value masked, keys of dicts kept."""
        args = {}
        for name, value in self.params.items():
            if self._spec.get(name, {}).get("no_log") and value is not None:
                value = dict((k, MASK) for k in value) if isinstance(value, dict) else MASK
            args[name] = value
        return {"module_args": args}

    def fail(self, msg: str, **result: Any) -> None:
        """End the run failed, with the counters and a masked invocation."""
        result.update(self._counters())
        self.module.fail_json(msg=msg, invocation=self._invocation(), **result)

    def run(self, func: Callable[[HerokuModule], dict[str, Any]]) -> None:
        """Call ``func(self)`` and turn every expected failure into ``fail_json``."""
        try:
            result = func(self)
        except HerokuError as exc:
            self.fail(str(exc), **exc.to_result())
        except ModuleFailure as exc:
            self.fail(exc.msg, **exc.result)
        except Exception as exc:  # a bug must still fail cleanly, traceback only at -vvv
            self.fail(
                "Unexpected error: %s: %s" % (type(exc).__name__, exc),
                exception=traceback.format_exc(),
            )
        finally:
            self.client.close()
        diff = result.pop("diff", None)
        if diff is not None and self.diff_mode:
            result["diff"] = diff
        result.update(self._counters())
        result["invocation"] = self._invocation()
        self.module.exit_json(**result)

    def _counters(self):
        if self.client is None:
            return {"api_calls": 0, "api_retries": 0}
        return {"api_calls": self.client.api_calls, "api_retries": self.client.retries}


def wait_for(
    fetch: Callable[[], Any],
    done: Callable[[Any], Any],
    timeout: float,
    what: str,
    interval: float = 1.0,
    max_interval: float = 5.0,
    sleep: Callable[[float], Any] = time.sleep,
) -> Any:
    """Poll ``fetch()`` until ``done(value)`` is true or ``timeout`` seconds pass.

    The poll interval grows gently (x1.5) so a long wait costs few API calls.
    """
    deadline = time.time() + timeout
    value = fetch()
    while not done(value):
        if time.time() >= deadline:
            raise WaitTimeout(
                "Timed out after %ss waiting for %s" % (timeout, what), last_state=value
            )
        sleep(min(interval, max(0.0, deadline - time.time())))
        interval = min(interval * 1.5, max_interval)
        value = fetch()
    return value


def masked_config_diff(
    before: dict[str, str], after: dict[str, str], public_keys: Any = ()
) -> dict[str, Any]:
    """A diff of config vars as a plan reads: values of ``public_keys`` shown, others masked.

    A masked value still says whether it was added or changed, so drift in a secret shows
    without the secret.
    """
    public = set(public_keys)

    def shown(key: str, value: str, note: str = "") -> str:
        if key in public:
            return value
        return MASK + note

    before_view = dict((key, shown(key, before[key])) for key in sorted(before))
    after_view = {}
    for key in sorted(after):
        if key not in before:
            after_view[key] = shown(key, after[key], " (added)")
        elif after[key] != before[key]:
            after_view[key] = shown(key, after[key], " (changed)")
        else:
            after_view[key] = shown(key, after[key])
    return {"before": before_view, "after": after_view}


def app_path(app: str, *parts: Any) -> str:
    """``/apps/<app>/<parts...>`` with each segment quoted."""
    segments = ["apps", app] + [p for p in parts if p]
    return "/" + "/".join(quote(str(s), safe="") for s in segments)


def segment(value: Any) -> str:
    """One URL path segment, quoted."""
    return quote(str(value), safe="")


def tail(text: str, lines: int = 40) -> str:
    """The last ``lines`` lines of ``text``."""
    if not text:
        return ""
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])
