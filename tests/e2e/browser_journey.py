"""A person's journey through the deployed site in a real Chromium, over HTTPS.

    python tests/e2e/browser_journey.py APP_URL APP   (env: HEROKU_API_URL of localcloud)

At 375 and at 1280 px: a creator signs up (welcome mail), asks for a password reset, reads
the mail from localcloud's mail add-on, follows its link, sets a new password and logs in
with it; a viewer signs up and subscribes; the creator uploads an MP4 (straight to the
bucket); the viewer gets the new-video mail, follows it, and the watch page's <video> plays
from the CDN edge (currentTime past 1 s, readyState >= 3) with its poster loaded; the viewer
likes and comments. Screenshots of each step go to tests/artifacts/e2e/. Prints a JSON
summary; exits non-zero, naming the step, when something a person needs does not work.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "tests" / "artifacts" / "e2e"
CHROMIUM = os.environ.get("SKILLSTREAM_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Correct-Horse-Battery-9"
NEW_PASSWORD = "Staple-Lantern-Orbit-42"
WIDTHS = {375: {"width": 375, "height": 740}, 1280: {"width": 1280, "height": 800}}
TIMEOUT_MS = 30_000  # a loaded 2-core machine is slow


# The natural size of an image loaded from `url` ([0, 0] when it does not load).
IMAGE_SIZE_JS = """url => new Promise(done => {
  const img = new Image();
  img.onload = () => done([img.naturalWidth, img.naturalHeight]);
  img.onerror = () => done([0, 0]);
  img.src = url;
})"""
# Play (muted, as autoplay rules allow) until past 1 s with data ahead, or 25 s have gone.
PLAY_JS = """v => new Promise(done => {
  v.muted = true;
  const t0 = Date.now();
  const report = () => done({currentTime: v.currentTime, readyState: v.readyState,
                             error: v.error && v.error.message});
  const tick = () => (v.currentTime > 1 && v.readyState >= 3) || Date.now() - t0 > 25000
    ? report() : setTimeout(tick, 200);
  v.play().then(tick, e => done({error: String(e)}));
})"""


class JourneyError(AssertionError):
    pass


def check(ok: object, step: str) -> None:
    if not ok:
        raise JourneyError(step)


def sample_video() -> bytes:
    """A 4 s H.264 MP4 (blue, then red from 1 s), made with the app's own test helper."""
    path = REPO / "skillstream" / "tests" / "media_samples.py"
    spec = importlib.util.spec_from_file_location("skillstream_media_samples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.playable_mp4_bytes(seconds=4, size=(320, 180))


class Mail:
    """The messages localcloud's mail add-on kept for the app."""

    def __init__(self, api_url: str, app: str) -> None:
        self.api_url, self.app = api_url.rstrip("/"), app

    def wait_for(self, to: str, subject: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            url = f"{self.api_url}/__localcloud/apps/{self.app}/mail"
            with urllib.request.urlopen(url, timeout=30) as resp:
                for message in json.load(resp):
                    if to in message["to"] and subject in message["subject"]:
                        return message
            time.sleep(1)
        raise JourneyError(f"no mail to {to} with {subject!r} within {timeout:.0f} s")

    def urls(self) -> dict:
        """The app's https URL and the plain-http port that redirects to it."""
        url = f"{self.api_url}/__localcloud/apps/{self.app}/urls"
        with urllib.request.urlopen(url, timeout=30) as resp:
            return json.load(resp)

    @property
    def page(self) -> str:
        return f"{self.api_url}/__localcloud/mail/{self.app}"


class Journey:
    def __init__(self, browser, base: str, mail: Mail, width: int) -> None:
        self.browser, self.base, self.mail, self.width = browser, base.rstrip("/"), mail, width
        self.step = 0
        self.errors: list[str] = []
        self.facts: dict = {"width": width}

    def page(self):
        # No ignore_https_errors: Chromium trusts localcloud's CA as a person's would
        # (trusting_home), so a certificate it would refuse fails the journey.
        context = self.browser.new_context(viewport=WIDTHS[self.width], base_url=self.base)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        return page

    def shot(self, page, name: str) -> None:
        self.step += 1
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # a sticky header drawn mid-page otherwise
        page.screenshot(
            path=str(SHOTS / f"{self.width}-{self.step:02d}-{name}.png"), full_page=True
        )

    def open_menu(self, page) -> None:
        button = page.locator("[data-menu-button]")
        if button.is_visible() and button.get_attribute("aria-expanded") == "false":
            button.click()

    def sign_up(self, page, email: str) -> None:
        page.goto("/accounts/signup/")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        page.get_by_text("Welcome to SkillStream!").wait_for()

    def log_out(self, page) -> None:
        self.open_menu(page)
        page.get_by_role("button", name="Log out").click()

    def log_in(self, page, email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.get_by_text("Welcome back").wait_for()

    def run(self, video: bytes) -> dict:
        tag = f"{self.width}-{uuid.uuid4().hex[:6]}"
        creator_email, viewer_email = f"creator-{tag}@example.com", f"viewer-{tag}@example.com"
        creator = self.page()

        # HTTPS as on Heroku: plain http lands on https, cookies are Secure.
        creator.goto(self.mail.urls()["http"])
        check(creator.url == self.base + "/", f"http redirects to https: landed on {creator.url}")
        self.sign_up(creator, creator_email)
        cookies = {c["name"]: c for c in creator.context.cookies()}
        check(cookies["sessionid"]["secure"] and cookies["csrftoken"]["secure"], "Secure cookies")
        self.shot(creator, "creator-signed-up")
        self.mail.wait_for(creator_email, "Welcome to SkillStream")

        # Forgot the password: the reset mail arrives in localcloud's mail add-on.
        self.log_out(creator)
        creator.goto("/accounts/password-reset/")
        creator.get_by_label("Email").fill(creator_email)
        creator.get_by_role("button", name="Send reset link").click()
        creator.wait_for_load_state()
        self.shot(creator, "reset-requested")
        reset = self.mail.wait_for(creator_email, "Reset your SkillStream password")
        link = re.search(r"https://\S+/reset/\S+", reset["text"])
        check(link, "the reset mail holds an https link")
        mailbox = self.page()
        mailbox.goto(self.mail.page)
        mailbox.get_by_text("Reset your SkillStream password").first.wait_for()
        self.shot(mailbox, "mail-page")
        mailbox.context.close()
        creator.goto(link.group(0))
        creator.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        creator.get_by_label("New password confirmation").fill(NEW_PASSWORD)
        self.shot(creator, "new-password")
        creator.get_by_role("button").filter(has_text=re.compile("password", re.I)).click()
        creator.wait_for_load_state()
        self.log_in(creator, creator_email, NEW_PASSWORD)
        self.shot(creator, "logged-in-with-new-password")

        # A viewer subscribes to the creator's channel before the upload.
        viewer = self.page()
        self.sign_up(viewer, viewer_email)
        channel = f"/c/{creator_email.split('@')[0]}/"
        viewer.goto(channel)
        viewer.get_by_role("button", name="Subscribe").click()
        viewer.get_by_role("button", name="Subscribed ✓").wait_for()
        self.shot(viewer, "viewer-subscribed")

        # The creator uploads an MP4: the browser sends it straight to the bucket.
        title = f"Engines at {self.width} px {tag}"
        creator.goto("/upload/")
        creator.get_by_label("Title").fill(title)
        creator.get_by_label("Video file").set_input_files(
            {"name": "engines.mp4", "mimeType": "video/mp4", "buffer": video}
        )
        self.shot(creator, "upload-form")
        creator.get_by_role("button", name="Upload").click()
        creator.get_by_text("Upload received").wait_for()
        row = creator.locator("li, article, tr").filter(has_text=title).first
        deadline = time.monotonic() + 120
        while "Ready" not in row.inner_text():
            check(time.monotonic() < deadline, "the upload is published within 2 min")
            check("Failed" not in row.inner_text(), f"the upload failed: {row.inner_text()}")
            time.sleep(2)
            creator.reload()
            row = creator.locator("li, article, tr").filter(has_text=title).first
        self.shot(creator, "upload-published")

        # The viewer gets the new-video mail and watches from it.
        notice = self.mail.wait_for(viewer_email, f"New on SkillStream: {title}")
        watch = re.search(r"https://\S+", notice["text"])
        check(watch, "the new-video mail links to the video")
        media: list[dict] = []
        viewer.on(
            "response",
            lambda r: (
                media.append(
                    {"url": r.url, "status": r.status, "x_cache": r.headers.get("x-cache")}
                )
                if ".cloudfront.localhost" in r.url
                else None
            ),
        )
        viewer.goto(watch.group(0))
        player = viewer.locator("video")
        src = player.evaluate("v => v.currentSrc || v.querySelector('source').src")
        poster = player.get_attribute("poster") or ""
        check(
            urlsplit(src).hostname.endswith(".cloudfront.localhost"), f"video from the CDN: {src}"
        )
        check(urlsplit(poster).hostname and poster.startswith("https://"), f"a poster: {poster!r}")
        poster_size = viewer.evaluate(IMAGE_SIZE_JS, poster)
        check(poster_size[0] > 0, "the poster image loads from the CDN")
        played = viewer.evaluate(PLAY_JS, player.element_handle())
        check(
            played.get("currentTime", 0) > 1 and played.get("readyState", 0) >= 3,
            f"the video plays: {played}",
        )
        self.shot(viewer, "video-playing")

        # The viewer likes and comments.
        viewer.get_by_role("button", name=re.compile("Like")).click()
        viewer.get_by_role("button", name=re.compile("Liked")).wait_for()
        viewer.get_by_label("Add a comment").fill("Clear and short, thank you!")
        viewer.get_by_role("button", name="Comment").click()
        viewer.get_by_text("Comment posted.").wait_for()
        check(viewer.get_by_text("1 comment", exact=True).count() == 1, "“1 comment”")
        self.shot(viewer, "liked-and-commented")

        self.facts.update(
            video=src, poster=poster, poster_size=poster_size, played=played,
            edge_responses=media[:6], console_errors=self.errors,
        )  # fmt: skip
        creator.context.close()
        viewer.context.close()
        return self.facts


def trusting_home(ca_cert: str) -> str:
    """A HOME whose NSS store (~/.pki/nssdb, where Chromium on Linux reads the user's CAs)
    trusts localcloud's CA, as `make deploy` tells a person to do with certutil."""
    import subprocess
    import tempfile

    home = tempfile.mkdtemp(prefix="e2e-home-")
    nssdb = Path(home) / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    try:
        subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-N", "--empty-password"], check=True)
        subprocess.run(["certutil", "-d", f"sql:{nssdb}", "-A", "-t", "C,,", "-n", "localcloud",
                        "-i", ca_cert], check=True)  # fmt: skip
    except FileNotFoundError:
        raise JourneyError(
            "certutil is missing (Debian: libnss3-tools; make setup installs it)"
        ) from None
    return home


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base, app = argv[1], argv[2]
    check(base.startswith("https://"), f"APP_URL must be the app's https web_url, got {base!r}")
    from playwright.sync_api import sync_playwright

    mail = Mail(os.environ["HEROKU_API_URL"], app)
    video = sample_video()
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            env={**os.environ, "HOME": trusting_home(os.environ["LOCALCLOUD_TLS_CERT"])},
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        try:
            for width in WIDTHS:
                results.append(Journey(browser, base, mail, width).run(video))
        finally:
            browser.close()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except JourneyError as failed:
        print(f"browser journey failed at: {failed}", file=sys.stderr)
        sys.exit(1)
