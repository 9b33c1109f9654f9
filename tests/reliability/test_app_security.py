"""Hostile input against the deployed app over HTTP, and the security headers it sends."""

from __future__ import annotations

import re
import sys
import time
import uuid

import pytest
import requests

from tests.reliability.conftest import REPO, DeployedApp

# The deploy's smoke test drives the site the way these tests need (stdlib + requests).
sys.path.insert(
    0, str(REPO / "collections" / "ansible_collections/skillstream/heroku/plugins/module_utils")
)
from smoke import CSRF_INPUT, Browser, sign_up, upload

PASSWORD = "Reliability-Test-Passw0rd"


@pytest.fixture(scope="module")
def creator(deployed: DeployedApp) -> Browser:
    """A user with one ready video, the target of the forged requests below."""
    browser = Browser(deployed.url, timeout=30)
    sign_up(browser, f"creator-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
    upload(browser, "Reliability target video")
    return browser


def video_of(browser: Browser, title: str, wait: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + wait
    while True:
        studio = browser.get("/studio/").text
        at = studio.find(title)
        block = studio[at : at + 1500] if at >= 0 else ""
        match = re.search(r"/v/(\d+)/", block)
        status = re.search(r'class="status status-(\w+)"', block)
        if match and status and status.group(1) not in ("processing", "uploading"):
            return int(match.group(1)), status.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"{title!r} still processing after {wait} s")
        time.sleep(1)


def signed(browser: Browser, filename: str, content_type: str, size: int) -> requests.Response:
    token = CSRF_INPUT.search(browser.get("/upload/").text).group(1)
    return browser.http.post(
        browser.url("/upload/sign/"),
        json={"filename": filename, "content_type": content_type, "size": size},
        headers={"X-CSRFToken": token, "Referer": browser.url("/upload/")},
        timeout=30,
    )


def visitor(app: DeployedApp) -> Browser:
    browser = Browser(app.url, timeout=30)
    sign_up(browser, f"visitor-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
    return browser


def test_an_upload_that_lies_about_its_type_is_rejected(app: DeployedApp, record) -> None:
    browser = visitor(app)
    answer = signed(browser, "movie.mp4", "video/mp4", 64).json()
    stored = requests.post(
        answer["url"],
        data=answer["fields"],
        files={"file": ("movie.mp4", b"<html>not a video at all</html>" * 2, "video/mp4")},
        timeout=30,
    )
    assert stored.status_code in (200, 201, 204), stored.text
    browser.post(
        "/upload/",
        {"title": "Liar", "description": "", "tags": "", "upload_token": answer["token"]},
    )
    _, status = video_of(browser, "Liar")
    record(
        "app input",
        "upload declared video/mp4 whose bytes are HTML",
        "rejected by the content check",
        f"video status: {status}",
        passed=status == "failed",
    )
    assert status == "failed"


def test_wrong_declared_type_and_oversized_uploads_are_refused(app: DeployedApp, record) -> None:
    browser = visitor(app)
    not_video = signed(browser, "page.html", "text/html", 100)
    too_big = signed(browser, "huge.mp4", "video/mp4", 10 * 1024**4)
    passed = not_video.status_code == 400 and too_big.status_code == 400
    record(
        "app input",
        "sign an upload of text/html; sign a 10 TiB video",
        "400 with a clear message each",
        f"{not_video.status_code} {not_video.json().get('error', '')!r}; "
        f"{too_big.status_code} {too_big.json().get('error', '')!r}",
        passed=passed,
    )
    assert passed


def test_a_path_traversal_file_name_stays_under_the_media_prefix(app: DeployedApp, record) -> None:
    browser = visitor(app)
    answer = signed(browser, "../../../etc/passwd.mp4", "video/mp4", 100).json()
    key = answer["fields"]["key"]
    passed = ".." not in key and not key.startswith("/") and key.startswith("media/")
    record(
        "app input",
        "upload named ../../../etc/passwd.mp4",
        "stored key sanitised under media/",
        f"key {key}",
        passed=passed,
    )
    assert passed, key


def test_another_users_video_cannot_be_edited_or_deleted(
    app: DeployedApp, creator: Browser, record
) -> None:
    pk, _ = video_of(creator, "Reliability target video")
    attacker = visitor(app)
    token = CSRF_INPUT.search(attacker.get("/upload/").text).group(1)
    headers = {"X-CSRFToken": token, "Referer": attacker.url("/")}
    edit = attacker.http.post(
        attacker.url(f"/v/{pk}/edit/"),
        data={"title": "pwned", "csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )
    delete = attacker.http.post(
        attacker.url(f"/v/{pk}/delete/"),
        data={"csrfmiddlewaretoken": token},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )
    no_csrf = creator.http.post(
        creator.url(f"/v/{pk}/edit/"), data={"title": "forged"}, allow_redirects=False, timeout=30
    )
    still_there = creator.get(f"/v/{pk}/").text
    passed = (
        edit.status_code in (403, 404)
        and delete.status_code in (403, 404)
        and no_csrf.status_code == 403
        and "pwned" not in still_there
        and "forged" not in still_there
    )
    record(
        "app input",
        "edit and delete another user's video; the owner's edit without a CSRF token",
        "404/403, video unchanged",
        f"edit {edit.status_code}, delete {delete.status_code}, no-CSRF {no_csrf.status_code}",
        passed=passed,
    )
    assert passed


def test_a_comment_with_script_is_shown_escaped(app: DeployedApp, creator: Browser, record):
    pk, _ = video_of(creator, "Reliability target video")
    browser = visitor(app)
    payload = "<script>alert('xss')</script>"
    browser.post(f"/v/{pk}/comments/", {"body": payload}, form_page=f"/v/{pk}/")
    page = browser.get(f"/v/{pk}/").text
    passed = payload not in page and "&lt;script&gt;" in page
    record(
        "app input",
        "comment containing <script>",
        "rendered escaped, never as markup",
        "escaped" if passed else "raw script found in the page",
        passed=passed,
    )
    assert passed


def test_login_brute_force_is_throttled(app: DeployedApp, record) -> None:
    browser = Browser(app.url, timeout=30)
    email = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    statuses = []
    for attempt in range(12):
        token = browser.form_token("/accounts/login/")
        response = browser.http.post(
            browser.url("/accounts/login/"),
            data={"username": email, "password": f"wrong-{attempt}", "csrfmiddlewaretoken": token},
            headers={"Referer": browser.url("/accounts/login/")},
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(response.status_code)
    throttled = statuses.index(429) + 1 if 429 in statuses else None
    record(
        "app input",
        "12 wrong passwords for one account from one address",
        "throttled with 429",
        f"429 from attempt {throttled}" if throttled else f"never throttled: {statuses}",
        times=12,
        passed=throttled is not None,
    )
    assert throttled is not None, statuses


def test_security_headers_on_the_deployed_app(app: DeployedApp, record) -> None:
    # Over https, as Heroku serves the app: its router then says X-Forwarded-Proto: https,
    # and only then does Django send HSTS (a browser ignores HSTS over http anyway).
    urls = app.heroku("GET", f"/__localcloud/apps/{app.name}/urls")
    response = requests.get(urls["https"], verify=urls["tls_cert"], timeout=30)
    headers = response.headers
    wanted = {
        "Content-Security-Policy": lambda v: "default-src" in v,
        "X-Content-Type-Options": lambda v: v == "nosniff",
        "X-Frame-Options": lambda v: v == "DENY",
        "Referrer-Policy": lambda v: bool(v),
        "Strict-Transport-Security": lambda v: "max-age=" in v and "max-age=0" not in v,
    }
    missing = [name for name, ok in wanted.items() if not ok(headers.get(name, ""))]
    record(
        "app headers",
        f"GET / on the deployed app over https ({urls['https']})",
        "CSP, nosniff, X-Frame-Options DENY, Referrer-Policy, HSTS",
        f"missing or wrong: {missing}" if missing else "all present: " + ", ".join(wanted),
        passed=not missing,
    )
    assert response.status_code == 200, response.status_code
    assert not missing, dict(headers)
