# -*- coding: utf-8 -*-
# Copyright: (c) 2026, SkillStream ops
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Smoke test of SkillStream's user features over HTTP, as a browser would use them.

A new user A signs up, logs out and in again, uploads a video (straight to S3 through a
presigned POST when the app asks for it, else through the form), waits for the worker to
publish it and watches it. A second, persistent user B (created on the first run) likes
it, comments, subscribes to A and finds it in the feed and in search. A then deletes the
video, so runs leave no videos behind. Read-only (check mode) only reads: /healthz, the
home page, a search.

The module ``skillstream.heroku.smoke_test`` runs it in a deploy. The file also runs as a
script (standard library and ``requests`` only), for tests that point it at dynos:

    python smoke.py URL [--read-only] [--timeout 20] [--publish-wait 90] [--password-file F]

It prints one JSON object, ``report()``'s; exit status 0 when every step passed.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

import argparse
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from urllib.parse import urljoin

try:
    import requests

    HAS_REQUESTS = True
except ImportError:  # the module reports it with missing_required_lib
    HAS_REQUESTS = False

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A minimal ISO-BMFF header: the app sniffs the type from the content, not the name.
VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" * 64


class StepFailed(Exception):
    """A step saw something a user would call broken."""


class Browser:
    """One visitor: a cookie jar, the CSRF token, and checks on every response."""

    def __init__(self, base: str, timeout: float) -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "skillstream-smoke-test"
        self.timeout = timeout

    def url(self, path: str) -> str:
        return urljoin(self.base, path.lstrip("/"))

    def get(self, path: str, expect: int = 200, **kwargs) -> requests.Response:
        response = self.http.get(self.url(path), timeout=self.timeout, **kwargs)
        if response.status_code != expect:
            raise StepFailed(f"GET {path} answered {response.status_code}, expected {expect}")
        return response

    def form_token(self, path: str) -> str:
        match = CSRF_INPUT.search(self.get(path).text)
        if not match:
            raise StepFailed(f"GET {path} has no CSRF token in its form")
        return match.group(1)

    def post(self, path: str, data: dict, form_page: str | None = None, **kwargs):
        token = self.form_token(form_page or path)
        headers = {"Referer": self.url(form_page or path), "X-CSRFToken": token}
        response = self.http.post(
            self.url(path),
            data={**data, "csrfmiddlewaretoken": token},
            headers=headers,
            allow_redirects=False,
            timeout=self.timeout,
            **kwargs,
        )
        if response.status_code != 302:
            snippet = re.sub(r"\s+", " ", response.text)[:300]
            raise StepFailed(f"POST {path} answered {response.status_code}: {snippet}")
        return response

    def logged_in(self) -> bool:
        response = self.http.get(self.url("/studio/"), allow_redirects=False, timeout=self.timeout)
        return response.status_code == 200


class Smoke:
    def __init__(self, base: str, timeout: float) -> None:
        self.base = base
        self.timeout = timeout
        self.steps: list[dict] = []
        self.facts: dict = {}

    def step(self, name: str, func: Callable[[], str | None]) -> None:
        started = time.monotonic()
        try:
            detail = func() or ""
            ok = True
        except (StepFailed, requests.RequestException, ValueError, KeyError) as error:
            detail, ok = str(error), False
        self.steps.append(
            {
                "step": name,
                "ok": ok,
                "ms": round((time.monotonic() - started) * 1000),
                "detail": detail,
            }
        )
        if not ok:
            raise StepFailed(f"{name}: {detail}")


def healthz(browser: Browser) -> str:
    body = browser.get("/healthz").json()
    if body.get("status") != "ok":
        raise StepFailed(f"/healthz says {body}")
    return ", ".join(f"{k}={v}" for k, v in sorted(body.get("checks", {}).items()))


def read_only(smoke: Smoke, browser: Browser) -> None:
    smoke.step("health", lambda: healthz(browser))
    smoke.step("home page", lambda: str(len(browser.get("/").text)) + " bytes")
    smoke.step("search page", lambda: browser.get("/search/", params={"q": "python"}) and "")


def sign_up(browser: Browser, email: str, password: str) -> str:
    browser.post("/accounts/signup/", {"email": email, "password": password})
    if not browser.logged_in():
        raise StepFailed("signed up but not logged in")
    return email


def log_in(browser: Browser, email: str, password: str) -> None:
    browser.post("/accounts/login/", {"username": email, "password": password})
    if not browser.logged_in():
        raise StepFailed("logged in but the studio still asks to log in")


def log_out(browser: Browser) -> None:
    browser.post("/accounts/logout/", {}, form_page="/")
    if browser.logged_in():
        raise StepFailed("still logged in after logging out")


def upload(browser: Browser, title: str) -> str:
    page = browser.get("/upload/").text
    token = CSRF_INPUT.search(page)
    if not token:
        raise StepFailed("the upload page has no form")
    data = {"title": title, "description": "Uploaded by the deploy's smoke test.", "tags": "smoke"}
    if "data-direct-upload" in page:
        signed = browser.http.post(
            browser.url("/upload/sign/"),
            json={"filename": "smoke.mp4", "content_type": "video/mp4", "size": len(VIDEO)},
            headers={"X-CSRFToken": token.group(1), "Referer": browser.url("/upload/")},
            timeout=browser.timeout,
        )
        if signed.status_code != 200:
            raise StepFailed(f"/upload/sign/ answered {signed.status_code}: {signed.text[:200]}")
        signed = signed.json()
        stored = requests.post(
            signed["url"],
            data=signed["fields"],
            files={"file": ("smoke.mp4", VIDEO, "video/mp4")},
            timeout=browser.timeout,
        )
        if stored.status_code not in (200, 201, 204):
            raise StepFailed(
                f"the storage refused the upload: {stored.status_code} {stored.text[:200]}"
            )
        browser.post("/upload/", {**data, "upload_token": signed["token"]})
        how = "direct to storage"
    else:
        files = {"video_file": ("smoke.mp4", VIDEO, "video/mp4")}
        browser.post("/upload/", data, files=files)
        how = "through the form"
    return how


def find_video(browser: Browser, title: str) -> int:
    studio = browser.get("/studio/").text
    at = studio.find(title)
    match = re.search(r"/v/(\d+)/", studio[at:] if at >= 0 else "")
    if not match:
        raise StepFailed("the new video is not in the studio")
    return int(match.group(1))


def wait_published(base: str, pk: int, timeout: float, wait: float) -> str:
    anonymous = Browser(base, timeout)
    started = time.monotonic()
    deadline = started + wait
    while True:
        response = anonymous.http.get(anonymous.url(f"/v/{pk}/"), timeout=timeout)
        if response.status_code == 200:
            if "<video" not in response.text:
                raise StepFailed("the watch page has no video player")
            return "published and playable"
        if time.monotonic() > deadline:
            raise StepFailed(f"the worker did not publish video {pk} within {wait:.0f} s")
        # The worker usually publishes within a second or two, and a watch page that is not
        # there yet costs the dyno a few ms: ask every 0.1 s at first, every 0.5 s after 10 s.
        time.sleep(0.1 if time.monotonic() - started < 10 else 0.5)


def run(base: str, read: bool, timeout: float, wait: float, email_b: str, password_b: str) -> Smoke:
    smoke = Smoke(base, timeout)
    a, b = Browser(base, timeout), Browser(base, timeout)
    try:
        read_only(smoke, a)
        if read:
            return smoke
        run_id = uuid.uuid4().hex[:10]
        email_a, password_a = f"smoke-{run_id}@example.com", uuid.uuid4().hex
        title = f"Smoke test {run_id}"
        smoke.step("sign up", lambda: sign_up(a, email_a, password_a))
        smoke.step("log out", lambda: log_out(a))
        smoke.step("log in", lambda: log_in(a, email_a, password_a))
        smoke.step("upload", lambda: upload(a, title))

        def studio() -> str:
            smoke.facts["video"] = find_video(a, title)
            return f"video {smoke.facts['video']}"

        smoke.step("find in the studio", studio)
        pk = smoke.facts["video"]

        def second_user() -> str:
            try:
                log_in(b, email_b, password_b)
                return f"logged in as {email_b}"
            except StepFailed:
                sign_up(b, email_b, password_b)
                return f"signed up {email_b} (first run)"

        # The second user logs in (a password hash, ~0.3 s) while the worker publishes.
        smoke.step("second user", second_user)
        smoke.step("watch", lambda: wait_published(base, pk, timeout, wait))
        watch = f"/v/{pk}/"

        def like() -> str:
            b.post(f"/v/{pk}/like/", {}, form_page=watch)
            if 'aria-pressed="true"' not in b.get(watch).text:
                raise StepFailed("the like did not stick")
            return "liked"

        def comment() -> str:
            text = f"Nice one {run_id}"
            b.post(f"/v/{pk}/comments/", {"body": text}, form_page=watch)
            if text not in b.get(watch).text:
                raise StepFailed("the comment is not on the watch page")
            return "commented"

        def subscribe() -> str:
            match = re.search(r'action="/c/([a-z0-9_-]+)/subscribe/"', b.get(watch).text)
            if not match:
                raise StepFailed("the watch page has no subscribe form")
            b.post(f"/c/{match.group(1)}/subscribe/", {}, form_page=watch)
            if title not in b.get("/feed/").text:
                raise StepFailed("the video is not in the subscriber's feed")
            b.post(f"/c/{match.group(1)}/subscribe/", {"action": "unsubscribe"}, form_page=watch)
            return f"subscribed to {match.group(1)}, found in the feed"

        def search() -> str:
            if title not in b.get("/search/", params={"q": run_id}).text:
                raise StepFailed(f"searching {run_id!r} does not find the video")
            return "found"

        smoke.step("like", like)
        smoke.step("comment", comment)
        smoke.step("subscribe", subscribe)
        smoke.step("search", search)
        smoke.step("delete", lambda: a.post(f"/v/{pk}/delete/", {}) and "deleted")
    except StepFailed:
        pass
    return smoke


MIN_PASSWORD_LENGTH = 12


def report(
    url: str,
    read: bool,
    timeout: float,
    wait: float,
    email_b: str,
    password_b: str,
) -> dict:
    """Run the smoke test; ``{"ok", "url", "seconds", "steps", "failed", "error"?, "video"?}``.

    ``failed`` is the first failed step (``{"step", "ok", "ms", "detail"}``) or None;
    ``error`` says why nothing ran (no password for user B outside read-only).
    """
    base = url if url.endswith("/") else url + "/"
    if not read and len(password_b) < MIN_PASSWORD_LENGTH:
        error = "no password for the smoke test's second user (at least %d characters)" % (
            MIN_PASSWORD_LENGTH
        )
        return {"ok": False, "url": base, "seconds": 0, "steps": [], "failed": None, "error": error}
    started = time.monotonic()
    smoke = run(base, read, timeout, wait, email_b, password_b)
    failed = next((s for s in smoke.steps if not s["ok"]), None)
    return {
        "ok": failed is None and bool(smoke.steps),
        "url": base,
        "seconds": round(time.monotonic() - started, 1),
        "steps": smoke.steps,
        "failed": failed,
        **smoke.facts,
    }


def read_password(path: str) -> str:
    """The password in ``path`` (the password lookup's format: password, optional " salt=...")."""
    if not path or not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8") as handle:
        words = handle.read().split()
    return words[0] if words else ""


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="SkillStream smoke test")
    parser.add_argument("url")
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--publish-wait", type=float, default=90)
    parser.add_argument("--password-file", help="password of user B (a file: never on argv)")
    args = parser.parse_args(argv)
    result = report(
        args.url,
        args.read_only,
        args.timeout,
        args.publish_wait,
        os.environ.get("SMOKE_EMAIL", "smoke-subscriber@example.com"),
        read_password(args.password_file),
    )
    sys.stdout.write(json.dumps(result) + "\n")
    if result.get("error"):
        return 2
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
