"""skillstream.aws.iam_stored_access_key on its own: the cases a deploy meets rarely."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import ADMIN, BIN, REGION, REPO, client, unique


def module(endpoint: str, check: bool = False, **args: object) -> dict:
    """Run the module once through `ansible localhost -m` and return its result."""
    env = {
        **os.environ,
        **ADMIN,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
    }
    proc = subprocess.run(
        [BIN / "ansible", "localhost", "-c", "local", "-i", "localhost,",
         "-e", "ansible_python_interpreter=" + str(BIN / "python"),
         "-m", "skillstream.aws.iam_stored_access_key", "-a", json.dumps(args),
         *(["--check"] if check else [])],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    data = json.loads(proc.stdout)
    return data["plays"][0]["tasks"][0]["hosts"]["localhost"]


@pytest.fixture
def user(aws_endpoint: str) -> str:
    name = unique("key")
    client("iam", aws_endpoint).create_user(UserName=name)
    return name


def test_a_key_deleted_behind_its_back_is_replaced(aws_endpoint: str, user: str) -> None:
    parameter = f"/{user}/key"
    first = module(aws_endpoint, user_name=user, parameter_name=parameter)
    assert first["changed"] and first["created"]
    client("iam", aws_endpoint).delete_access_key(UserName=user, AccessKeyId=first["access_key_id"])
    second = module(aws_endpoint, user_name=user, parameter_name=parameter)
    assert second["changed"] and second["access_key_id"] != first["access_key_id"]
    stored = client("ssm", aws_endpoint).get_parameter(Name=parameter, WithDecryption=True)
    assert json.loads(stored["Parameter"]["Value"])["AccessKeyId"] == second["access_key_id"]


def test_unknown_keys_at_the_limit_stop_with_their_names(aws_endpoint: str, user: str) -> None:
    iam = client("iam", aws_endpoint)
    ids = [iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"] for _ in range(2)]
    result = module(aws_endpoint, user_name=user, parameter_name=f"/{user}/key")
    assert result.get("failed")
    assert all(key_id in result["msg"] for key_id in ids)
    assert len(iam.list_access_keys(UserName=user)["AccessKeyMetadata"]) == 2


def test_check_mode_of_a_rotation_creates_nothing(aws_endpoint: str, user: str) -> None:
    parameter = f"/{user}/key"
    first = module(aws_endpoint, user_name=user, parameter_name=parameter)
    checked = module(
        aws_endpoint,
        user_name=user,
        parameter_name=parameter,
        rotate=True,
        check=True,
    )
    assert checked["changed"]
    keys = client("iam", aws_endpoint).list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [first["access_key_id"]]
