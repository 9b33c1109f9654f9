# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fingerprint what a role applied, from read-only AWS calls (the applied_state module).

A role that converged records a hash of its inputs and of what AWS reads back afterwards.
On the next run, the same inputs and the same read-back state give the same hash: the
role's ensure tasks would change nothing, so they may be skipped. Any difference (a hand
change, a new input, a missing resource) gives another hash and the role runs in full.

Only the hash is compared: nothing here knows what a bucket or an alarm is, so the
amazon.aws/community.aws modules stay the only judges of what "converged" means.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from typing import Any, Callable

try:
    import boto3
    import botocore
    import jmespath
except ImportError:
    pass  # the module reports it (AnsibleAWSModule, or the module's own check)

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

READ_PREFIXES = ("get_", "describe_", "list_")


def refused_operations(reads: list[dict]) -> list[str]:
    """The operations of `reads` that are not read-only by their name."""
    return [r["operation"] for r in reads if not r["operation"].startswith(READ_PREFIXES)]


def decode_json_strings(value: Any) -> Any:
    """Decode strings that are JSON documents (bucket policies, topic policies), so that a
    query can reach inside them and their key order does not count."""
    if isinstance(value, dict):
        return {k: decode_json_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_json_strings(v) for v in value]
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return decode_json_strings(json.loads(value))
        except ValueError:
            return value
    return value


def plain(value: Any, ignore_keys: frozenset[str] = frozenset()) -> Any:
    """JSON-safe copy of a response: no ResponseMetadata (request ids, retries), no keys in
    `ignore_keys` at any depth, timestamps as ISO strings, bytes as hex."""
    if isinstance(value, dict):
        return {
            str(k): plain(v, ignore_keys)
            for k, v in value.items()
            if k != "ResponseMetadata" and k not in ignore_keys
        }
    if isinstance(value, (list, tuple)):
        return [plain(v, ignore_keys) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def fingerprint(inputs: Any, reads: list[Any]) -> str:
    """sha256 of the inputs and the normalised reads (keys sorted, so order of a dict's keys
    never counts; order of lists does: use a query's sort_by where it does not matter)."""
    document = json.dumps(
        {"inputs": plain(inputs), "reads": reads},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(document.encode()).hexdigest()


def parse_stored(raw: str | None) -> dict:
    """The stored {"fingerprint", "facts"}; {} when absent or not ours."""
    if not raw:
        return {}
    try:
        stored = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(stored, dict) or not isinstance(stored.get("fingerprint"), str):
        return {}
    if not isinstance(stored.get("facts"), dict):
        stored["facts"] = {}
    return stored


def render_stored(fresh: str, facts: dict) -> str:
    return json.dumps({"fingerprint": fresh, "facts": facts}, sort_keys=True)


# boto3 clients by everything that shapes them. Under Mitogen a module runs in the host's
# persistent interpreter (plugins/strategy/mitogen_linear.py) and this module stays imported,
# so a later task reuses the clients: making a session and its clients costs 0.1-0.3 s (the
# service models are parsed per session), an answer from AWS 10 ms. Each run of a fresh
# interpreter (Ansible's own strategies) starts empty, as before.
_CLIENTS: dict[tuple, Any] = {}


def cached_client(key: tuple, make: Any) -> Any:
    """The client for `key` made by `make()` once per interpreter; boto3 clients are thread-safe."""
    if key not in _CLIENTS:
        _CLIENTS[key] = make()
    return _CLIENTS[key]


def aws_environment() -> tuple:
    """The AWS_* environment: credentials may come from it, per task."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))


def shared_session(profile: str | None = None) -> Any:
    """One boto3 session per profile and environment for every module of the interpreter: it
    loads the endpoint data and each service model once (0.05-0.1 s per client otherwise)."""
    return cached_client(
        ("session", profile, aws_environment()),
        lambda: boto3.session.Session(profile_name=profile),
    )


class ReadFailed(Exception):
    """A read the fingerprint needs did not answer; the state is unknown."""


def read_all(
    client_for: Callable[[str, str | None], Any], reads: list[dict], facts: dict, record: bool
) -> tuple[list, dict]:
    """Run the reads with client_for(service, region): (what the fingerprint covers, what is
    returned by return_as)."""
    covered: list[Any] = []
    returned: dict[str, Any] = {}
    context: dict[str, Any] = {"facts": facts}
    for read in reads:
        if record and not read["fingerprint"]:
            continue
        result = read_one(client_for, read, context)
        if read["return_as"]:
            context[read["return_as"]] = result
            returned[read["return_as"]] = result
        if read["fingerprint"]:
            covered.append([read["service"], read["operation"], result])
    return covered, returned


def read_one(client_for: Callable[[str, str | None], Any], read: dict, context: dict) -> Any:
    params = dict(read["params"])
    for name, expression in read["params_from"].items():
        value = jmespath.search(expression, context)
        if value in (None, "", []):
            return None  # what it would read is not known: absent
        params[name] = value
    client = client_for(read["service"], read["region"])
    try:
        response = getattr(client, read["operation"])(aws_retry=True, **params)
    except is_boto3_error_code(read["missing_ok"] or ["-"]):
        return None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        raise ReadFailed(f"{read['service']}.{read['operation']}: {e}") from e
    result = decode_json_strings(plain(response))
    if read["query"]:
        result = jmespath.search(read["query"], result)
    return plain(result, frozenset(read["ignore_keys"]))


def read_stored(ssm: Any, name: str) -> dict:
    try:
        return parse_stored(ssm.get_parameter(aws_retry=True, Name=name)["Parameter"]["Value"])
    except is_boto3_error_code("ParameterNotFound"):
        return {}
