"""The app's own key, checked by moto's IAM enforcement: media prefix yes, anything else no."""

from __future__ import annotations

import json

import pytest
import requests
from botocore.exceptions import ClientError

from .conftest import client, media_vars, run_playbook, unique


def _denied(call, **kwargs) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


def test_app_key_reaches_only_its_media_prefix(enforcing_moto: str, tmp_path) -> None:
    variables = media_vars(unique("lp"))
    bucket = variables["s3_media_bucket_name"]
    config = (
        run_playbook(enforcing_moto, "media.yml", variables, tmp_path)
        .ok()
        .facts["s3_media_app_config"]
    )
    admin = client("s3", enforcing_moto)
    admin.create_bucket(Bucket="someone-elses-bucket")
    admin.put_object(Bucket="someone-elses-bucket", Key="media/secret.mp4", Body=b"x")
    admin.put_object(Bucket=bucket, Key="private/notes.txt", Body=b"x")

    # From here on every request is authenticated and authorised against IAM; the
    # admin "testing" key is no IAM user's key, so only the app's key works.
    requests.post(f"{enforcing_moto}/moto-api/reset-auth", data=b"0", timeout=5).raise_for_status()
    app = client(
        "s3",
        enforcing_moto,
        key_id=config["AWS_ACCESS_KEY_ID"],
        secret=config["AWS_SECRET_ACCESS_KEY"],
    )

    app.put_object(Bucket=bucket, Key="media/videos/intro.mp4", Body=b"frames")
    assert app.get_object(Bucket=bucket, Key="media/videos/intro.mp4")["Body"].read() == b"frames"
    app.delete_object(Bucket=bucket, Key="media/videos/intro.mp4")

    assert _denied(app.put_object, Bucket=bucket, Key="private/evil.txt", Body=b"x") == (
        "AccessDenied"
    )
    assert _denied(app.get_object, Bucket=bucket, Key="private/notes.txt") == "AccessDenied"
    assert _denied(app.get_object, Bucket="someone-elses-bucket", Key="media/secret.mp4") == (
        "AccessDenied"
    )
    open_policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }  # fmt: skip
    assert _denied(app.put_bucket_policy, Bucket=bucket, Policy=json.dumps(open_policy)) == (
        "AccessDenied"
    )
    assert _denied(app.delete_bucket, Bucket=bucket) == "AccessDenied"
    assert _denied(app.create_bucket, Bucket="app-made-bucket") == "AccessDenied"
    # Sanity check that enforcement is on at all: the admin key is now unknown.
    assert _denied(admin.list_buckets) == "InvalidAccessKeyId"
