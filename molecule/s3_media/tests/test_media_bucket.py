"""The media bucket and the app's IAM user, read over the wire from S3, IAM and SSM."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def s3(aws):
    return aws("s3")


@pytest.fixture(scope="module")
def bucket(scenario) -> str:
    return scenario["s3_media_bucket_name"]


def test_the_aws_endpoint_listens(cloud, listening) -> None:
    assert listening(cloud["AWS_ENDPOINT_URL"])


def test_bucket_is_private_with_acls_disabled(s3, bucket) -> None:
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                  "RestrictPublicBuckets")), block  # fmt: skip
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_bucket_is_encrypted_and_versioned(s3, bucket) -> None:
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled"


def test_lifecycle_expires_old_versions_and_aborts_stale_uploads(s3, bucket) -> None:
    rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


def test_cors_allows_the_app_origins(s3, bucket, scenario) -> None:
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == scenario["skillstream_app_origins"]


def test_app_user_has_one_key_kept_in_ssm_and_only_media_objects(aws, scenario, bucket) -> None:
    user = scenario["s3_media_iam_user_name"]
    iam = aws("iam")
    keys = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert [k["Status"] for k in keys] == ["Active"], keys
    param = aws("ssm").get_parameter(Name=scenario["s3_media_access_key_parameter"],
                                     WithDecryption=True)["Parameter"]  # fmt: skip
    assert param["Type"] == "SecureString"
    assert json.loads(param["Value"])["AccessKeyId"] == keys[0]["AccessKeyId"]
    names = iam.list_user_policies(UserName=user)["PolicyNames"]
    assert len(names) == 1, names
    policy = iam.get_user_policy(UserName=user, PolicyName=names[0])["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources == {
        "MediaObjects": f"arn:aws:s3:::{bucket}/media/*",
        "ListMediaPrefix": f"arn:aws:s3:::{bucket}",
    }
