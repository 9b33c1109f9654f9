# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP client for the Heroku Platform API and the Heroku Postgres data API.

Every module of the collection talks to Heroku through ``HerokuClient``: one
``requests.Session`` (keep-alive, one TLS handshake per run), the version 3
``Accept`` header, a Bearer token that is sent only to the configured API hosts,
``Range``/``Next-Range`` pagination, and retries with full-jitter exponential
backoff inside a bounded total wait.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import random
import time
import traceback
from typing import Any, Callable, Optional

from ansible_collections.skillstream.heroku.plugins.module_utils.retry import (
    Backoff,
    Retryable,
    parse_retry_after,
)

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, keeps sanity quiet
    from urlparse import urlsplit  # type: ignore

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests import exceptions as req_exc

    HAS_REQUESTS = True
except ImportError:  # pragma: no cover - exercised only where requests is missing
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

DEFAULT_API_URL = "https://api.heroku.com"
DEFAULT_DATA_API_URL = "https://api.data.heroku.com"
ACCEPT = "application/vnd.heroku+json; version=3"
USER_AGENT = "skillstream.heroku-ansible/1.0"

IDEMPOTENT_METHODS = frozenset(["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"])
MAX_PAGES = 1000


class HerokuError(Exception):
    """A failed Heroku call, described without the token and without a traceback."""

    def __init__(
        self, method, path, status=None, error_id=None, message=None, request_id=None, attempts=1
    ):
        self.method = method
        self.path = path
        self.status = status
        self.error_id = error_id or ("http_%s" % status if status else "connection_error")
        self.message = message or ""
        self.request_id = request_id
        self.attempts = attempts
        super(HerokuError, self).__init__(self.__str__())

    def __str__(self):
        status = "HTTP %s " % self.status if self.status else ""
        text = "Heroku API %s %s failed: %s%s: %s" % (
            self.method,
            self.path,
            status,
            self.error_id,
            self.message,
        )
        if self.attempts > 1:
            text += " (after %d attempts)" % self.attempts
        if self.request_id:
            text += " [Request-Id %s]" % self.request_id
        return text

    def to_result(self) -> dict[str, Any]:
        """Fields a module adds to its failure result."""
        return {
            "error_id": self.error_id,
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "request_id": self.request_id,
        }


class HerokuResponse:
    """The parts of a response the modules use."""

    def __init__(self, status, headers, data, text=""):
        self.status = status
        self.headers = headers
        self.data = data
        self.text = text


class HerokuClient:
    """Talk to Heroku with retries, pagination and a request counter.

    ``api_calls`` counts every HTTP request sent (retries included) so benchmarks
    can compare runs; ``retries`` counts the retried attempts and ``waited`` the
    seconds spent in backoff.
    """

    def __init__(
        self,
        api_key,
        api_url=DEFAULT_API_URL,
        data_api_url=DEFAULT_DATA_API_URL,
        timeout=30,
        max_retry_wait=120.0,
        max_attempts=8,
        backoff_base=0.5,
        backoff_cap=20.0,
        rate_limit_low_water=60,
        sleep=time.sleep,
        rand=random.random,
    ):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library 'requests' is required")
        self.api_url = (api_url or DEFAULT_API_URL).rstrip("/")
        self.data_api_url = (data_api_url or DEFAULT_DATA_API_URL).rstrip("/")
        self.timeout = timeout
        self.backoff = Backoff(max_attempts, max_retry_wait, backoff_base, backoff_cap, sleep, rand)
        self.rate_limit_low_water = rate_limit_low_water
        self._sleep = sleep
        self._api_key = api_key
        self._auth_hosts = set(urlsplit(u).netloc for u in (self.api_url, self.data_api_url))
        self.session = requests.Session()
        self.session.headers.update({"Accept": ACCEPT, "User-Agent": USER_AGENT})
        self.api_calls = 0
        self.throttled = 0.0
        self.rate_limit_remaining = None

    # -- public helpers ---------------------------------------------------

    def get(
        self,
        path: str,
        api: str = "platform",
        missing_ok: bool = False,
        headers: Optional[dict[str, str]] = None,
    ) -> Any:
        """GET one resource; ``None`` when ``missing_ok`` and Heroku answers 404."""
        resp = self.request("GET", path, api=api, missing_ok=missing_ok, headers=headers)
        return None if resp.status == 404 else resp.data

    def post(
        self,
        path: str,
        body: Any = None,
        api: str = "platform",
        recover: Optional[Callable[[], Any]] = None,
    ) -> Any:
        return self.request("POST", path, body=body, api=api, recover=recover).data

    def patch(self, path: str, body: Any, api: str = "platform") -> Any:
        return self.request("PATCH", path, body=body, api=api).data

    def put(self, path: str, body: Any, api: str = "platform") -> Any:
        return self.request("PUT", path, body=body, api=api).data

    def delete(self, path: str, api: str = "platform", missing_ok: bool = True) -> Any:
        resp = self.request("DELETE", path, api=api, missing_ok=missing_ok)
        return None if resp.status == 404 else resp.data

    def get_all(
        self, path: str, api: str = "platform", range_header: Optional[str] = None
    ) -> list[Any]:
        """GET a list across every page (206 + ``Next-Range``)."""
        items = []
        headers = {"Range": range_header} if range_header else {}
        seen = set()
        for _page in range(MAX_PAGES):
            resp = self.request("GET", path, api=api, headers=headers)
            page = resp.data or []
            if not isinstance(page, list):
                raise HerokuError(
                    "GET", path, resp.status, "unexpected_response", "expected a JSON list"
                )
            items.extend(page)
            next_range = resp.headers.get("Next-Range")
            if resp.status != 206 or not next_range or next_range in seen:
                return items
            seen.add(next_range)
            headers = {"Range": next_range}
        raise HerokuError("GET", path, None, "too_many_pages", "stopped after %d pages" % MAX_PAGES)

    def url_for(self, path: str, api: str = "platform") -> str:
        if path.startswith("http://") or path.startswith("https://"):
            return path
        base = self.data_api_url if api == "data" else self.api_url
        return base + path

    # -- the request loop -------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        api: str = "platform",
        headers: Optional[dict[str, str]] = None,
        missing_ok: bool = False,
        recover: Optional[Callable[[], Any]] = None,
    ) -> HerokuResponse:
        """Send one logical request, retrying transient failures.

        ``recover`` is called before re-sending a POST that may already have been
        applied (a 5xx or a connection dropped after sending); when it returns a
        value the POST is not repeated and that value becomes the response data.
        """
        method = method.upper()
        url = self.url_for(path, api)
        display_path = urlsplit(url).path

        def attempt_once(attempt):
            self._pace()
            return self._attempt(method, url, display_path, body, headers, missing_ok, attempt)

        def found_applied(exc):
            if exc.applied_maybe and method not in IDEMPOTENT_METHODS and recover:
                found = recover()
                if found is not None:
                    return HerokuResponse(200, {}, found)
            return None

        return self.backoff.run(
            attempt_once, self._give_up_on(method, display_path), before_retry=found_applied
        )

    @property
    def retries(self) -> int:
        return self.backoff.retries

    @property
    def waited(self) -> float:
        return self.backoff.waited

    def _attempt(self, method, url, display_path, body, headers, missing_ok, attempt):
        send_headers = dict(headers or {})
        if urlsplit(url).netloc in self._auth_hosts:
            send_headers["Authorization"] = "Bearer %s" % self._api_key
        kwargs = {"headers": send_headers, "timeout": self.timeout, "allow_redirects": False}
        if body is not None:
            kwargs["json"] = body
        self.api_calls += 1
        try:
            resp = self.session.request(method, url, **kwargs)
        except req_exc.ConnectTimeout as exc:
            raise Retryable("connect timeout: %s" % _short(exc)) from None
        except req_exc.ReadTimeout:
            raise Retryable("no response within %ss" % self.timeout, applied_maybe=True) from None
        except (req_exc.ConnectionError, req_exc.ChunkedEncodingError) as exc:
            sent = not _is_connect_failure(exc)
            raise Retryable(
                "connection to %s failed: %s" % (urlsplit(url).netloc, _short(exc)),
                applied_maybe=sent,
            ) from None
        self._note_rate_limit(resp)
        data, text = _decode(resp)
        request_id = resp.headers.get("Request-Id")
        if resp.status_code == 429 or resp.status_code >= 500:
            err = _error_from(method, display_path, resp.status_code, data, text, request_id)
            raise Retryable(
                "HTTP %s" % resp.status_code,
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                applied_maybe=resp.status_code != 429,
                error=err,
            )
        if resp.status_code == 404 and missing_ok:
            return HerokuResponse(404, resp.headers, None, text)
        if resp.status_code >= 400:
            err = _error_from(method, display_path, resp.status_code, data, text, request_id)
            err.attempts = attempt
            raise err
        return HerokuResponse(resp.status_code, resp.headers, data, text)

    def _give_up_on(self, method, display_path):
        def give_up(exc, attempt):
            if exc.error is not None:
                err = exc.error
            else:
                err = HerokuError(method, display_path, None, "connection_error", exc.reason)
            err.attempts = attempt
            err.message = "%s; gave up after %.1fs of backoff" % (err.message, self.waited)
            return err

        return give_up

    def _note_rate_limit(self, resp):
        value = resp.headers.get("RateLimit-Remaining")
        if value is None:
            return
        try:
            self.rate_limit_remaining = int(value)
        except ValueError:
            self.rate_limit_remaining = None

    def _pace(self):
        """Slow down while the rate-limit bucket is nearly empty.

        Heroku refills about 75 tokens a minute (0.8 s each); below the low water
        mark each request waits up to that long so the bucket does not run dry.
        """
        remaining = self.rate_limit_remaining
        if remaining is None or remaining >= self.rate_limit_low_water:
            return
        delay = 0.8 * (1.0 - float(max(remaining, 0)) / self.rate_limit_low_water)
        self.throttled += delay
        self._sleep(delay)

    # -- raw transfers (blob store, log streams) --------------------------

    def upload(self, url: str, path: str) -> None:
        """PUT a file to a presigned URL (no Heroku headers, no token), with retries."""
        display_path = urlsplit(url).path

        def attempt_once(_attempt):
            self.api_calls += 1
            try:
                with open(path, "rb") as handle:
                    resp = requests.put(
                        url,
                        data=handle,
                        timeout=max(self.timeout, 120),
                        headers={"Content-Type": ""},
                    )
            except req_exc.RequestException as exc:
                raise Retryable(
                    "upload to %s failed: %s" % (urlsplit(url).netloc, _short(exc))
                ) from None
            if resp.status_code < 300:
                return None
            error = HerokuError(
                "PUT", display_path, resp.status_code, "upload_failed", resp.text[:300]
            )
            if resp.status_code < 500 and resp.status_code != 429:
                raise error
            raise Retryable("HTTP %s" % resp.status_code, error=error)

        self.backoff.run(attempt_once, self._give_up_on("PUT", display_path))

    def read_stream(
        self,
        url: Optional[str],
        max_bytes: int = 2 * 1024 * 1024,
        deadline: Optional[float] = None,
    ) -> str:
        """Read a build or release output stream to its end; return its text.

        Heroku keeps these streams open while the build or release phase runs, so
        reading to the end doubles as waiting for it. ``deadline`` (a ``time.time()``
        value) stops the read early; only the last ``max_bytes`` are kept.
        """
        if not url:
            return ""
        self.api_calls += 1
        chunks = []
        total = 0
        try:
            resp = requests.get(url, timeout=max(self.timeout, 60), stream=True)
            if resp.status_code >= 400:
                return "(output stream unavailable: HTTP %s)" % resp.status_code
            for chunk in resp.iter_content(chunk_size=8192):
                chunks.append(chunk)
                total += len(chunk)
                while total > max_bytes and len(chunks) > 1:
                    total -= len(chunks.pop(0))
                if deadline is not None and time.time() > deadline:
                    break
            resp.close()
        except req_exc.RequestException as exc:
            chunks.append(("\n(output stream interrupted: %s)" % _short(exc)).encode())
        return b"".join(chunks).decode("utf-8", "replace")

    def close(self) -> None:
        self.session.close()


def _short(exc):
    """The innermost cause of a requests/urllib3 error, without the pool boilerplate."""
    inner = exc
    for _depth in range(6):
        nxt = getattr(inner, "reason", None)
        if (
            not isinstance(nxt, Exception)
            and getattr(inner, "args", None)
            and isinstance(inner.args[0], Exception)
        ):
            nxt = inner.args[0]
        if not isinstance(nxt, Exception):
            break
        inner = nxt
    text = str(inner)
    if "): " in text and text.startswith(("HTTPConnection", "HTTPSConnection", "<")):
        text = text.split("): ", 1)[1]
    return text if len(text) < 300 else text[:300] + "..."


def _is_connect_failure(exc):
    """True when the request never reached the server (safe to resend any method)."""
    reason = exc
    for _depth in range(5):
        name = type(reason).__name__
        if name in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError"):
            return True
        reason = getattr(reason, "reason", None) or (
            reason.args[0]
            if getattr(reason, "args", None) and isinstance(reason.args[0], Exception)
            else None
        )
        if reason is None:
            break
    return "Connection refused" in str(exc)


def _decode(resp):
    text = resp.text if resp.content else ""
    if not text:
        return None, ""
    try:
        return resp.json(), text
    except ValueError:
        return None, text


def _error_from(method, path, status, data, text, request_id):
    if isinstance(data, dict) and (data.get("id") or data.get("message")):
        return HerokuError(method, path, status, data.get("id"), data.get("message"), request_id)
    return HerokuError(method, path, status, None, (text or "").strip()[:300], request_id)
