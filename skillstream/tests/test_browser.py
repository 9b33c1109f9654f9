"""The site in a real browser (Debian's chromium through Playwright) against a live server:
the learner/creator journey at phone width, and no horizontal scrolling on any main page."""

import os
import shutil
from pathlib import Path

import pytest

from apps.videos.models import Comment, Video
from apps.videos.view_counts import fold_views
from tests.conftest import PASSWORD
from tests.media_samples import mp4_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("SKILLSTREAM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see the README)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here
    # (seeding, assertions, the database flush between tests) are still synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser, viewport, base_url):
    context = browser.new_context(viewport=viewport, base_url=base_url)
    context.set_default_timeout(20_000)  # a loaded 2-core CI machine is slow
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # CSP violations show up here
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_menu(page) -> None:
    """At phone width the navigation sits behind the menu button."""
    button = page.locator("[data-menu-button]")
    if button.is_visible() and button.get_attribute("aria-expanded") == "false":
        button.click()


def sign_up(page, email: str) -> None:
    page.goto("/")
    open_menu(page)
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_text("Welcome to SkillStream!").wait_for()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_journey_at_phone_width(browser, live_server):
    creator = new_page(browser, PHONE, live_server.url)
    sign_up(creator, "ada@example.com")
    creator.get_by_label("Display name").fill("Ada Lovelace")
    creator.get_by_role("button", name="Save profile").click()
    creator.get_by_text("Profile saved.").wait_for()
    shot(creator, "journey-01-signed-up")

    open_menu(creator)
    creator.get_by_role("link", name="Upload").click()
    creator.get_by_label("Title").fill("Analytical engines for beginners")
    creator.get_by_label("Description").fill("Notes on the first program.")
    creator.get_by_label("Tags").fill("history, computing")
    creator.get_by_label("Video file").set_input_files(
        {"name": "engine.mp4", "mimeType": "video/mp4", "buffer": mp4_bytes(75.0)}
    )
    shot(creator, "journey-02-upload-form")
    creator.get_by_role("button", name="Upload").click()
    creator.get_by_text("Upload received").wait_for()
    assert creator.locator(".status-ready").inner_text() == "Ready"
    assert no_horizontal_scroll(creator)
    shot(creator, "journey-03-studio")

    learner = new_page(browser, PHONE, live_server.url)
    sign_up(learner, "grace@example.com")
    learner.goto("/")
    learner.get_by_role("link", name="Analytical engines for beginners").first.click()
    player = learner.locator("video")
    player.wait_for()
    source = learner.locator("video source").get_attribute("src")
    assert learner.request.get(source).body() == mp4_bytes(75.0)
    assert "1:15" in learner.locator(".video-actions").inner_text()
    shot(learner, "journey-04-watch")

    learner.get_by_role("button", name="Like · 0").click()
    learner.get_by_role("button", name="Liked · 1").wait_for()
    learner.get_by_label("Add a comment").fill("Clear and <b>concise</b>!")
    learner.get_by_role("button", name="Comment").click()
    learner.get_by_text("Clear and <b>concise</b>!").wait_for()
    learner.get_by_role("button", name="Subscribe").click()
    learner.get_by_text("Subscribed to Ada Lovelace.").wait_for()
    learner.get_by_role("button", name="Subscribed ✓").wait_for()
    assert no_horizontal_scroll(learner)
    shot(learner, "journey-05-liked-commented-subscribed")

    learner.get_by_label("Search videos").fill("engin")
    learner.get_by_label("Search videos").press("Enter")
    learner.get_by_text("Results for “engin”").wait_for()
    assert learner.locator(".card").count() == 1
    assert "Analytical engines" in learner.locator(".card-title").inner_text()
    shot(learner, "journey-06-search")

    open_menu(learner)
    learner.get_by_role("link", name="Subscriptions").click()
    learner.get_by_role("link", name="Analytical engines for beginners").first.wait_for()
    shot(learner, "journey-07-feed")

    fold_views()  # the worker's job: views reach the database in batches
    video = Video.objects.get()
    assert (video.view_count, video.likes.count(), video.comments.count()) == (1, 1, 1)
    assert learner.errors == [] and creator.errors == []


def _seed(make_user, make_video):
    owner = make_user(
        "long.name@example.com",
        display_name="A creator with a remarkably long display name indeed",
        handle="longname",
    )
    video = make_video(
        owner,
        "An unusually long video title that keeps going to test wrapping on small screens",
        description="Supercalifragilisticexpialidocious" * 4,
        tags="layout, css, responsive",
    )
    make_video(owner, "Second lesson")
    for n in range(25):  # more than a page: the comment pagination shows
        Comment.objects.create(video=video, author=owner, body=f"Comment {n} " + "wraps " * 40)
    return owner, video


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["375px", "1280px"])
def test_no_horizontal_scroll_on_main_pages(browser, live_server, make_user, make_video, viewport):
    owner, video = _seed(make_user, make_video)
    page = new_page(browser, viewport, live_server.url)
    anonymous = [
        "/",
        "/search/?q=lesson",
        f"/v/{video.pk}/",
        "/c/longname/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
    ]
    signed_in = ["/upload/", "/studio/", "/feed/", "/accounts/profile/", "/notifications/"]
    failures = []
    for path in anonymous:
        page.goto(path)
        if not no_horizontal_scroll(page):
            failures.append(path)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Welcome back").wait_for()
    for path in [*signed_in, f"/v/{video.pk}/"]:
        page.goto(path)
        if not no_horizontal_scroll(page):
            failures.append(path)
    page.get_by_role("link", name="Older comments").click()  # plain links, no script
    page.get_by_role("link", name="Newer comments").wait_for()
    assert page.locator(".comment").count() == 5
    if not no_horizontal_scroll(page):
        failures.append(page.url)
    width = viewport["width"]
    shot(page, f"layout-{width}-watch")
    menu = page.locator("[data-menu-button]")
    if width < 960:
        assert menu.is_visible()
        assert not page.get_by_role("link", name="Studio").is_visible()
        open_menu(page)
        assert page.get_by_role("link", name="Studio").is_visible()
        shot(page, f"layout-{width}-menu-open")
    else:
        assert not menu.is_visible()
        assert page.get_by_role("link", name="Studio").is_visible()
    assert failures == [], f"horizontal scroll at {width}px on {failures}"
    assert page.errors == []


def test_direct_upload_to_s3_from_the_browser(browser, live_server, s3, make_user):
    """Production's path: the page's script gets a presigned POST, the browser sends the file
    to S3 itself (CORS + CSP must allow it), then the app publishes what landed."""
    creator = make_user("direct@example.com")
    page = new_page(browser, PHONE, live_server.url)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(creator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Welcome back").wait_for()
    page.goto("/upload/")
    page.get_by_label("Title").fill("Uploaded straight to the bucket")
    content = mp4_bytes(duration_seconds=61.0, padding=300_000)
    page.get_by_label("Video file").set_input_files(
        {"name": "bucket.mp4", "mimeType": "video/mp4", "buffer": content}
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("Upload received").wait_for()
    shot(page, "direct-upload-studio")
    assert page.locator(".status-ready").inner_text() == "Ready"
    video = Video.objects.get()
    listed = s3.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [(video.file.name, len(content))]
    page.get_by_role("link", name="Uploaded straight to the bucket").click()
    source = page.locator("video source").get_attribute("src")
    assert source.startswith(s3._endpoint.host)
    assert page.request.get(source).body() == content
    assert page.errors == []  # no CSP violation on the way


def test_a_text_file_named_mp4_is_refused_before_upload(browser, live_server, s3, make_user):
    """Its first bytes are not a video: the page says so under the file field, as an alert,
    and neither asks the app for an upload URL nor sends anything to the bucket."""
    creator = make_user("notvideo@example.com")
    page = new_page(browser, PHONE, live_server.url)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(creator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Welcome back").wait_for()
    page.goto("/upload/")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/upload/sign/" in r.url else None)
    page.get_by_label("Title").fill("Not really a video")
    page.get_by_label("Video file").set_input_files(
        {"name": "notes.mp4", "mimeType": "video/mp4", "buffer": b"Meeting notes, not a video.\n"}
    )
    page.get_by_role("button", name="Upload").click()
    alert = page.locator(".field:has(input[name=video_file]) [role=alert]")
    alert.wait_for()
    assert "“notes.mp4” is not a video file" in alert.inner_text()
    assert alert.evaluate("e => getComputedStyle(e).fontWeight") == "600"  # not grey help text
    shot(page, "upload-refuses-a-text-file")
    assert asked == []
    assert "Contents" not in s3.list_objects_v2(Bucket=s3.bucket)
    assert page.errors == []
