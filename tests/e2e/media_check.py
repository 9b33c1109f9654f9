"""Upload a video through the deployed app and prove where it went.

A new user uploads through the app (the presigned direct upload to S3, as a browser does),
the worker publishes it, then: the object is in the media bucket under the media prefix,
and the watch page plays it from the CDN domain (AWS_S3_CUSTOM_DOMAIN). Prints a JSON
summary; exits non-zero with the reason when a check fails.

    python tests/e2e/media_check.py APP_URL APP   (env: HEROKU_API_URL, HEROKU_API_KEY, ...)
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
import uuid
from pathlib import Path

import boto3

sys.path.insert(
    0,
    str(
        Path(__file__).resolve().parents[2]
        / "collections/ansible_collections/skillstream/heroku/plugins/module_utils"
    ),
)
from smoke import Browser, find_video, sign_up, upload, wait_published


def app_config(app: str) -> dict:
    request = urllib.request.Request(
        f"{os.environ['HEROKU_API_URL']}/apps/{app}/config-vars",
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {os.environ['HEROKU_API_KEY']}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main() -> None:
    url, app = sys.argv[1], sys.argv[2]
    config = app_config(app)
    browser = Browser(url, timeout=30)
    sign_up(browser, f"e2e-media-{uuid.uuid4().hex[:8]}@example.com", "E2e-Media-Passw0rd")
    title = f"E2E media {uuid.uuid4().hex[:6]}"
    how = upload(browser, title)
    pk = find_video(browser, title)
    wait_published(url, pk, timeout=30, wait=120)
    watch = browser.get(f"/v/{pk}/").text
    s3 = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))
    prefix = config.get("MEDIA_PREFIX", "media/")
    listed = s3.list_objects_v2(Bucket=config["AWS_STORAGE_BUCKET_NAME"], Prefix=prefix)
    keys = [item["Key"] for item in listed.get("Contents", [])]
    cdn = config.get("AWS_S3_CUSTOM_DOMAIN", "")
    result = {"video": pk, "upload": how, "objects": len(keys), "cdn_domain": cdn}
    problems = []
    if how != "direct to storage":
        problems.append(f"the upload went {how}, not straight to the bucket")
    if not any(key.endswith(".mp4") for key in keys):
        problems.append(f"no .mp4 under {prefix} in {config['AWS_STORAGE_BUCKET_NAME']}")
    if not cdn or f"//{cdn}/" not in watch:
        problems.append(f"the watch page does not play from the CDN domain {cdn!r}")
    origin = url.rstrip("/")  # the app's web_url: https, as on Heroku
    rules = s3.get_bucket_cors(Bucket=config["AWS_STORAGE_BUCKET_NAME"])["CORSRules"]
    allowed = sorted({o for rule in rules for o in rule["AllowedOrigins"]})
    result["cors_origins"] = allowed
    if not origin.startswith("https://") or allowed != [origin]:
        problems.append(f"the bucket's CORS allows {allowed}, not exactly the app's {origin}")
    browser.post(f"/v/{pk}/delete/", {})  # leave no video behind, as the smoke test does
    print(json.dumps({**result, "problems": problems}))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
