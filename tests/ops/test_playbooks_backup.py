"""backup.yml and restore.yml from the repository root against a private localcloud."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from .heroku_helpers import Heroku, psql, run_playbook

pytestmark = pytest.mark.timeout(600)

SEED = """
CREATE TABLE courses (id serial PRIMARY KEY, title text NOT NULL);
CREATE TABLE lessons (id serial PRIMARY KEY, course_id int REFERENCES courses(id), body text);
INSERT INTO courses (title) SELECT 'Course ' || g FROM generate_series(1, 20) g;
INSERT INTO lessons (course_id, body)
  SELECT 1 + g % 20, md5(g::text) FROM generate_series(1, 300) g;
"""


@pytest.fixture(scope="module")
def ops_app(localcloud) -> Iterator[dict[str, Any]]:
    heroku = Heroku(localcloud.api_url, localcloud.api_key)
    name = f"ops-{secrets.token_hex(3)}"
    url = heroku.create_app_with_postgres(name)
    psql(url, SEED)
    web_url = heroku.deploy_health_app(name)
    yield {
        "name": name,
        "database_url": url,
        "web_url": web_url,
        "heroku": heroku,
        "bucket": "skillstream-local-backups",
    }
    heroku.call("DELETE", f"/apps/{name}")


def play(localcloud, app: dict[str, Any], playbook: str, *extra: str):
    return run_playbook(
        playbook,
        localcloud.env,
        "-i",
        "inventories/local",
        "-e",
        f"heroku_app_name={app['name']}",
        *extra,
    )


def s3(localcloud):
    return boto3.client(
        "s3",
        endpoint_url=localcloud.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def manifests(localcloud, app) -> list[dict[str, Any]]:
    client = s3(localcloud)
    listed = client.list_objects_v2(Bucket=app["bucket"], Prefix=app["name"] + "/")
    keys = sorted(o["Key"] for o in listed.get("Contents", []))
    return [
        json.loads(client.get_object(Bucket=app["bucket"], Key=k)["Body"].read())
        for k in keys
        if k.endswith(".manifest.json")
    ]


def test_role_provisions_schedule_and_a_private_encrypted_versioned_bucket(localcloud, ops_app):
    run = run_playbook("playbooks/../backup.yml", localcloud.env, "--syntax-check")
    assert run.returncode == 0, run.stdout + run.stderr
    setup = play(localcloud, ops_app, "tests/ops/playbooks/provision_backups.yml")
    assert setup.returncode == 0, setup.stdout[-4000:] + setup.stderr[-2000:]
    client = s3(localcloud)
    bucket = ops_app["bucket"]
    assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rule = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    schedules = ops_app["heroku"].call("GET", f"/apps/{ops_app['name']}/addons")
    assert schedules  # the add-on the schedule belongs to
    again = play(localcloud, ops_app, "tests/ops/playbooks/provision_backups.yml")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]


def test_backup_yml_lands_object_and_manifest_and_the_drill_passes(localcloud, ops_app):
    run = play(localcloud, ops_app, "backup.yml")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-5000:]
    assert "Restore drill: passed (320 rows checked)" in out
    assert ops_app["database_url"].split("@")[0].split(":")[-1] not in out  # password never shown
    [manifest] = [m for m in manifests(localcloud, ops_app) if not m["label"]]
    assert manifest["tables"] == {"public.courses": 20, "public.lessons": 300}
    assert manifest["status"] == "complete" and manifest["release"].startswith("v")
    drill_key = manifest["key"].replace(".dump", ".drill.json")
    body = s3(localcloud).get_object(Bucket=ops_app["bucket"], Key=drill_key)["Body"].read()
    drill = json.loads(body)
    assert drill["status"] == "passed"


def test_restore_yml_needs_confirmation(localcloud, ops_app):
    run = play(localcloud, ops_app, "restore.yml")
    assert run.returncode != 0
    assert f"-e restore_confirm={ops_app['name']}" in run.stdout
    run = play(localcloud, ops_app, "restore.yml", "-e", "restore_confirm=some-other-app")
    assert run.returncode != 0
    assert psql(ops_app["database_url"], "SELECT count(*) FROM lessons") == "300"


def test_restore_yml_brings_back_deleted_data(localcloud, ops_app):
    url = ops_app["database_url"]
    psql(url, "DELETE FROM lessons WHERE id > 100; UPDATE courses SET title = 'oops'")
    run = play(localcloud, ops_app, "restore.yml", "-e", f"restore_confirm={ops_app['name']}")
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-5000:]
    assert psql(url, "SELECT count(*) FROM lessons") == "300"
    assert psql(url, "SELECT count(*) FROM courses WHERE title = 'oops'") == "0"
    app = ops_app["heroku"].call("GET", f"/apps/{ops_app['name']}")
    assert app["maintenance"] is False
    safety = [m for m in manifests(localcloud, ops_app) if m["label"] == "pre-restore"]
    assert len(safety) == 1 and safety[0]["tables"]["public.lessons"] == 100
