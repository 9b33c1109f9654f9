"""The s3_media role against localcloud's moto: every bucket setting read back, no churn."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from .conftest import client, media_vars, run_playbook, unique


@pytest.fixture(scope="module")
def converged(aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One media stack, converged twice."""
    tmp = tmp_path_factory.mktemp("s3_media")
    variables = media_vars(unique("s3m"))
    # -vvv: the secret must stay hidden even where Ansible prints module arguments and results.
    first = run_playbook(aws_endpoint, "media.yml", variables, tmp, "-vvv").ok()
    second = run_playbook(aws_endpoint, "media.yml", variables, tmp, "-vvv").ok()
    return {"vars": variables, "first": first, "second": second}


def test_bucket_blocks_every_kind_of_public_access(aws_endpoint: str, converged: dict) -> None:
    s3 = client("s3", aws_endpoint)
    bucket = converged["vars"]["s3_media_bucket_name"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_bucket_is_encrypted_and_versioned(aws_endpoint: str, converged: dict) -> None:
    s3 = client("s3", aws_endpoint)
    bucket = converged["vars"]["s3_media_bucket_name"]
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    algorithms = [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in sse["Rules"]]
    assert algorithms == ["AES256"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_lifecycle_expires_old_versions_and_aborts_stale_uploads(
    aws_endpoint: str, converged: dict
) -> None:
    s3 = client("s3", aws_endpoint)
    bucket = converged["vars"]["s3_media_bucket_name"]
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


def test_cors_lets_only_the_app_origins_upload(aws_endpoint: str, converged: dict) -> None:
    s3 = client("s3", aws_endpoint)
    bucket = converged["vars"]["s3_media_bucket_name"]
    (rule,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert sorted(rule["AllowedOrigins"]) == sorted(converged["vars"]["skillstream_app_origins"])
    assert sorted(rule["AllowedMethods"]) == ["POST", "PUT"]
    assert "*" not in rule["AllowedOrigins"]
    assert rule["ExposeHeaders"] == ["ETag"]


def test_no_tls_deny_against_a_plain_http_endpoint(aws_endpoint: str, converged: dict) -> None:
    # moto applies a Deny without its aws:SecureTransport condition: it would refuse every
    # object request. The statement itself is asserted in test_cloudfront (https default).
    s3 = client("s3", aws_endpoint)
    bucket = converged["vars"]["s3_media_bucket_name"]
    with pytest.raises(ClientError) as caught:
        s3.get_bucket_policy(Bucket=bucket)
    assert caught.value.response["Error"]["Code"] == "NoSuchBucketPolicy"
    s3.put_object(Bucket=bucket, Key="media/probe.txt", Body=b"probe")
    assert s3.get_object(Bucket=bucket, Key="media/probe.txt")["Body"].read() == b"probe"


def test_app_user_policy_stops_at_the_media_prefix(aws_endpoint: str, converged: dict) -> None:
    iam = client("iam", aws_endpoint)
    variables = converged["vars"]
    document = iam.get_user_policy(
        UserName=variables["s3_media_iam_user_name"], PolicyName="skillstream-media-objects"
    )["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    resources = {s["Sid"]: s["Resource"] for s in document["Statement"]}
    bucket = variables["s3_media_bucket_name"]
    assert resources == {
        "MediaObjects": f"arn:aws:s3:::{bucket}/media/*",
        "ListMediaPrefix": f"arn:aws:s3:::{bucket}",
    }


def test_access_key_is_kept_in_ssm_and_exported(aws_endpoint: str, converged: dict) -> None:
    variables = converged["vars"]
    keys = client("iam", aws_endpoint).list_access_keys(
        UserName=variables["s3_media_iam_user_name"]
    )["AccessKeyMetadata"]
    assert len(keys) == 1, "the second run must not create another key"
    parameter = client("ssm", aws_endpoint).get_parameter(
        Name=variables["s3_media_access_key_parameter"], WithDecryption=True
    )["Parameter"]
    assert parameter["Type"] == "SecureString"
    stored = json.loads(parameter["Value"])
    assert stored["AccessKeyId"] == keys[0]["AccessKeyId"]

    config = converged["second"].facts["s3_media_app_config"]
    assert config == {
        "AWS_STORAGE_BUCKET_NAME": variables["s3_media_bucket_name"],
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": stored["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": stored["SecretAccessKey"],
        "AWS_S3_ENDPOINT_URL": aws_endpoint,
        "MEDIA_PREFIX": "media/",
    }
    assert converged["first"].facts["s3_media_app_config"] == config


def test_second_run_changes_nothing_and_never_prints_the_secret(converged: dict) -> None:
    assert converged["first"].changed > 0
    assert converged["second"].changed == 0, converged["second"].output[-3000:]
    secret = converged["second"].facts["s3_media_app_config"]["AWS_SECRET_ACCESS_KEY"]
    assert len(secret) >= 20
    for run in (converged["first"], converged["second"]):
        assert secret not in run.output


def test_rotation_keeps_the_old_key_until_finished(aws_endpoint: str, tmp_path) -> None:
    variables = media_vars(unique("rot"))
    user = variables["s3_media_iam_user_name"]
    iam = client("iam", aws_endpoint)
    old = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    old_key = old.facts["s3_media_app_config"]["AWS_ACCESS_KEY_ID"]

    rotated = run_playbook(
        aws_endpoint, "media.yml", {**variables, "s3_media_rotate_key": True}, tmp_path
    ).ok()
    new_key = rotated.facts["s3_media_app_config"]["AWS_ACCESS_KEY_ID"]
    assert new_key != old_key
    assert rotated.facts["s3_media_rotation_pending"] is True
    live = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
    assert live == {old_key, new_key}, "the running app still needs the old key"

    finished = run_playbook(aws_endpoint, "finish_rotation.yml", variables, tmp_path).ok()
    assert finished.changed == 1
    assert old_key in finished.output and finished.facts == {}
    live = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}
    assert live == {new_key}


def test_check_mode_reports_but_creates_nothing(aws_endpoint: str, tmp_path) -> None:
    variables = media_vars(unique("chk"), media_roles=["s3_media", "cloudfront"])
    run = run_playbook(aws_endpoint, "media.yml", variables, tmp_path, "--check").ok()
    assert run.changed > 0
    with pytest.raises(ClientError):
        client("s3", aws_endpoint).head_bucket(Bucket=variables["s3_media_bucket_name"])
    with pytest.raises(ClientError):
        client("iam", aws_endpoint).get_user(UserName=variables["s3_media_iam_user_name"])
    cloudfront = client("cloudfront", aws_endpoint)
    oacs = cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", [])
    assert variables["cloudfront_oac_name"] not in [o["Name"] for o in oacs]
    distributions = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    references = [
        cloudfront.get_distribution_config(Id=d["Id"])["DistributionConfig"]["CallerReference"]
        for d in distributions
    ]
    assert variables["cloudfront_distribution_name"] not in references


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"skillstream_env": "qa"}, "s3_media_env"),
        ({"skillstream_app_origins": {"web": "https://app.example"}}, "s3_media_cors_origins"),
    ],
)
def test_wrong_variable_stops_before_any_api_call(
    aws_endpoint: str, tmp_path, override: dict, named: str
) -> None:
    variables = media_vars(unique("bad"), **override)
    run = run_playbook(aws_endpoint, "media.yml", variables, tmp_path)
    assert run.returncode != 0
    assert named in run.output
    assert "Ensure the media bucket is private" not in run.output
    with pytest.raises(ClientError):
        client("s3", aws_endpoint).head_bucket(Bucket=variables["s3_media_bucket_name"])


def test_sse_kms_with_a_key_the_role_manages(aws_endpoint: str, tmp_path) -> None:
    name = unique("kms")
    variables = media_vars(
        name, s3_media_encryption="aws:kms", s3_media_kms_key_alias=f"alias/{name}-media"
    )
    first = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    second = run_playbook(aws_endpoint, "media.yml", variables, tmp_path).ok()
    assert first.changed > 0
    assert second.changed == 0, second.output[-3000:]

    kms = client("kms", aws_endpoint)
    key = kms.describe_key(KeyId=f"alias/{name}-media")["KeyMetadata"]
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    (rule,) = client("s3", aws_endpoint).get_bucket_encryption(
        Bucket=variables["s3_media_bucket_name"]
    )["ServerSideEncryptionConfiguration"]["Rules"]
    default = rule["ApplyServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] == "aws:kms"
    assert default["KMSMasterKeyID"] == key["Arn"]
    assert rule["BucketKeyEnabled"] is True

    document = client("iam", aws_endpoint).get_user_policy(
        UserName=variables["s3_media_iam_user_name"], PolicyName="skillstream-media-objects"
    )["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    (media_key,) = [s for s in document["Statement"] if s["Sid"] == "MediaKey"]
    assert media_key["Resource"] == key["Arn"]
    assert sorted(media_key["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
