"""The fast path (skillstream.aws.applied_state): a role whose resources are as its last full
run left them skips its ensure tasks; a hand change or a new input runs it in full again."""

from __future__ import annotations

import json
import time

from ansible_collections.skillstream.aws.plugins.module_utils.applied_state import (
    decode_json_strings,
    fingerprint,
    plain,
    refused_operations,
)

from .conftest import Run, client, media_vars, run_playbook, unique

BUCKET_TASK = "TASK [s3_media : Ensure the media bucket is private, encrypted and versioned]"
# s3_media and cloudfront include their ensure tasks: skipped, only the include shows.
MEDIA_ENSURE = "TASK [s3_media : Ensure the media stack]"
TLS_TASK = "TASK [s3_media : Ensure the media bucket refuses plain-http requests]"


def task_status(run: Run, task: str) -> str:
    """What the play said of a task: ok, changed, skipping (first word after its header)."""
    after = run.output.split(task, 1)[1]
    return after.split("\n", 1)[1].split(":", 1)[0].strip()


def timed(*args, **kwargs) -> tuple[Run, float]:
    start = time.monotonic()
    run = run_playbook(*args, **kwargs).ok()
    return run, time.monotonic() - start


def test_s3_media_skips_when_in_sync_and_repairs_a_hand_change(aws_endpoint: str, tmp_path) -> None:
    variables = media_vars(unique("fast"), s3_media_require_tls=True)
    bucket = variables["s3_media_bucket_name"]
    first, first_s = timed(aws_endpoint, "media.yml", variables, tmp_path)
    second, second_s = timed(aws_endpoint, "media.yml", variables, tmp_path)
    assert task_status(first, BUCKET_TASK) == "changed"
    assert task_status(second, MEDIA_ENSURE) == "skipping", second.output[-3000:]
    assert BUCKET_TASK not in second.output
    assert second.changed == 0
    assert second_s < first_s, (first_s, second_s)
    # The app's key, taken from the check when the ensure tasks are skipped, is the same.
    assert second.facts == first.facts
    assert first.facts["s3_media_app_config"]["AWS_SECRET_ACCESS_KEY"] not in second.output

    s3 = client("s3", aws_endpoint)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    repaired = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    assert task_status(repaired, BUCKET_TASK) == "changed"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    again = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    assert task_status(again, MEDIA_ENSURE) == "skipping"

    s3.delete_bucket_policy(Bucket=bucket)  # the TLS-only statement was its only one
    repaired = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    assert task_status(repaired, TLS_TASK) == "changed"
    assert repaired.changed > 0
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]

    changed_input = {**variables, "s3_media_noncurrent_version_expiration_days": 31}
    applied = run_playbook(aws_endpoint, "media.yml", changed_input, tmp_path).ok()
    assert task_status(applied, BUCKET_TASK) == "ok"  # ran, nothing to change there
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 31

    refreshed = run_playbook(
        aws_endpoint, "media.yml", {**changed_input, "s3_media_refresh": True}, tmp_path
    ).ok()
    assert task_status(refreshed, BUCKET_TASK) == "ok"
    assert refreshed.changed == 0


def test_only_read_operations_are_accepted() -> None:
    reads = [
        {"operation": "get_bucket_policy"},
        {"operation": "describe_alarms"},
        {"operation": "list_access_keys"},
        {"operation": "put_bucket_versioning"},
        {"operation": "delete_parameter"},
    ]
    assert refused_operations(reads) == ["put_bucket_versioning", "delete_parameter"]


def test_fingerprint_ignores_key_order_and_request_metadata() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Deny"}]}
    one = decode_json_strings(
        plain({"Policy": json.dumps(policy), "ResponseMetadata": {"RequestId": "1"}})
    )
    other = decode_json_strings(
        plain({"ResponseMetadata": {"RequestId": "2"}, "Policy": json.dumps(policy, indent=2)})
    )
    assert one == other == {"Policy": policy}
    assert fingerprint({"a": 1, "b": 2}, [one]) == fingerprint({"b": 2, "a": 1}, [other])
    assert fingerprint({"a": 1}, [one]) != fingerprint({"a": 2}, [one])
    assert plain({"StateValue": "ALARM", "Threshold": 1.0}, frozenset({"StateValue"})) == {
        "Threshold": 1.0
    }


def _status_of(run: Run, task: str) -> str:
    return task_status(run, f"TASK [{task}]")


def test_cloudfront_skips_when_in_sync_and_repairs_a_hand_change(
    aws_endpoint: str, tmp_path
) -> None:
    variables = {**media_vars(unique("fastcf")), "media_roles": ["s3_media", "cloudfront"]}
    distribution_task = (
        "cloudfront : Ensure the media distribution serves the bucket over HTTPS only"
    )
    first = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    second = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    assert _status_of(first, distribution_task) == "changed"
    assert _status_of(second, "cloudfront : Ensure the media distribution") == "skipping"
    assert distribution_task not in second.output
    # cloudfront's statement in the bucket policy does not put s3_media out of sync.
    assert task_status(second, MEDIA_ENSURE) == "skipping"
    assert second.changed == 0
    domain = first.facts["cloudfront_app_config"]["AWS_S3_CUSTOM_DOMAIN"]
    assert domain.endswith(".cloudfront.net")
    assert second.facts["cloudfront_app_config"]["AWS_S3_CUSTOM_DOMAIN"] == domain

    cloudfront = client("cloudfront", aws_endpoint)
    items = cloudfront.list_distributions()["DistributionList"]["Items"]
    (dist_id,) = [d["Id"] for d in items if d["DomainName"] == domain]
    got = cloudfront.get_distribution_config(Id=dist_id)
    config = {**got["DistributionConfig"], "Comment": "changed by hand"}
    cloudfront.update_distribution(Id=dist_id, IfMatch=got["ETag"], DistributionConfig=config)
    repaired = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    assert _status_of(repaired, distribution_task) == "changed"
    comment = cloudfront.get_distribution_config(Id=dist_id)["DistributionConfig"]["Comment"]
    assert comment == "SkillStream media (local)"


def test_backup_bucket_repairs_a_hand_change_and_applies_a_new_input(
    aws_endpoint: str, tmp_path
) -> None:
    bucket = f"{unique('fastbk')}-backups"
    variables = {
        "role_name": "backups",
        "role_tasks_from": "bucket",
        "skillstream_env": "local",
        "heroku_app_name": "unused",
        "backups_bucket_name": bucket,
    }
    ensure = "backups : Ensure pruned backups expire and abandoned uploads are aborted"
    first = run_playbook(aws_endpoint, "role_tasks.yml", variables, tmp_path).ok()
    second = run_playbook(aws_endpoint, "role_tasks.yml", variables, tmp_path).ok()
    assert _status_of(first, ensure) == "changed"
    # Skipped, the ensure tasks are one skipped include.
    assert _status_of(second, "backups : Ensure the backup bucket") == "skipping"
    assert f"TASK [{ensure}]" not in second.output
    assert second.changed == 0

    s3 = client("s3", aws_endpoint)
    s3.delete_bucket_lifecycle(Bucket=bucket)
    repaired = run_playbook(aws_endpoint, "role_tasks.yml", variables, tmp_path).ok()
    assert _status_of(repaired, ensure) == "changed"
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 2

    changed_input = {**variables, "backups_abort_incomplete_multipart_upload_days": 3}
    applied = run_playbook(aws_endpoint, "role_tasks.yml", changed_input, tmp_path).ok()
    assert _status_of(applied, ensure) == "changed"
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 3


def test_uptime_alarm_repairs_a_hand_change(aws_endpoint: str, tmp_path) -> None:
    name = unique("fastup")
    variables = {
        "role_name": "monitoring",
        "role_tasks_from": "uptime",
        "skillstream_env": "local",
        "heroku_app_name": name,
        "monitoring_uptime_name": f"{name}-uptime",
        "monitoring_uptime_url": "https://app.example.test",
        "monitoring_uptime_emails": ["ops@example.test"],
    }
    ensure = "monitoring : Ensure the alarm that fires when the health check fails"
    first = run_playbook(aws_endpoint, "role_tasks.yml", variables, tmp_path).ok()
    second = run_playbook(aws_endpoint, "role_tasks.yml", variables, tmp_path).ok()
    assert _status_of(first, ensure) == "changed"
    assert (
        _status_of(second, "monitoring : Ensure the uptime check, its alarm and who is told")
        == "skipping"
    )
    assert f"TASK [{ensure}]" not in second.output
    assert second.changed == 0

    cloudwatch = client("cloudwatch", aws_endpoint)
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{name}-uptime"])["MetricAlarms"]
    kept = ("AlarmName", "AlarmDescription", "Namespace", "MetricName", "Dimensions",
            "Statistic", "ComparisonOperator", "Period", "EvaluationPeriods", "TreatMissingData",
            "AlarmActions", "OKActions")  # fmt: skip
    cloudwatch.put_metric_alarm(**{k: alarm[k] for k in kept}, Threshold=0.5)
    repaired = run_playbook(aws_endpoint, "role_tasks.yml", variables, tmp_path).ok()
    assert _status_of(repaired, ensure) == "changed"
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{name}-uptime"])["MetricAlarms"]
    assert alarm["Threshold"] == 1.0
