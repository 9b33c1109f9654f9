# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The last verified deploy of an app, as a digest, for deploy.yml's fast path.

A deploy that passed its checks records one sha256 over everything that shapes it and
everything it manages: the inputs (the roles' variables, the ops code, the app's source)
and what read-only calls return (the Heroku app, its config vars, releases, formation,
add-ons and the rest; each AWS role's record and reads). The next deploy computes the same
digest before it touches anything. Equal means every role would find what it wants and
change nothing, so deploy.yml only checks the release serves. Any difference - a hand
change, a new variable, a changed role - and it runs in full. When only the app's source
differs and Heroku and AWS hold what the last verified deploy left, provisioning has nothing
to do either: the deploy builds and releases the new source and checks it (source_only).

Like skillstream.aws.applied_state, nothing here knows what a resource should look like:
the modules stay the only judges of "converged"; this only tells "as it was".
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from typing import Any, Callable

from ansible_collections.skillstream.aws.plugins.module_utils.applied_state import (
    cached_client,
    plain,
    read_all,
    read_stored,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.common import app_path
from ansible_collections.skillstream.heroku.plugins.module_utils.resources import (
    current_release,
    list_releases,
)
from ansible_collections.skillstream.heroku.plugins.module_utils.tarball import tree_digest

RECORD_VERSION = 3

# What a deploy manages on Heroku, read as it is: one GET each.
HEROKU_READS = (
    "buildpack-installations",
    "config-vars",
    "formation",
    "addons",
    "features",
    "domains",
    "sni-endpoints",
    "log-drains",
    "webhooks",
    "pipeline-couplings",
)
# Attributes that move on their own (a dyno restart, a clock) and say nothing of the app's
# settings. The current release's id covers every release a deploy would make.
VOLATILE = frozenset(("updated_at", "created_at", "released_at", "repo_size", "slug_size"))


def stable(value: Any) -> Any:
    """A response without VOLATILE keys, at any depth (applied_state's own normalising)."""
    return plain(value, VOLATILE)


def read_heroku(client: Any, app: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the digest covers, the serving release as {version, commit, slug}).

    A missing app reads as None, so a digest taken then never equals one of a real app.
    """
    found = client.get(app_path(app), missing_ok=True)
    if found is None:
        return {"app": None}, {}
    reads: dict[str, Any] = {"app": stable(found)}
    for name in HEROKU_READS:
        reads[name] = stable(client.get(app_path(app, name), missing_ok=True))
    releases = list_releases(client, app)  # oldest first
    release = current_release(releases) or {}
    reads["release"] = {k: release.get(k) for k in ("id", "version", "status", "current")}
    reads["release"]["slug"] = (release.get("slug") or {}).get("id")
    # A release still in its release phase is not current yet, but it is on its way.
    newest = releases[-1] if releases else {}
    reads["newest_release"] = {k: newest.get(k) for k in ("id", "version", "status")}
    # The add-ons' own settings: Heroku Postgres's backup schedule (data API).
    schedules = {}
    for addon in reads["addons"] or []:
        if (addon.get("addon_service") or {}).get("name") == "heroku-postgresql":
            schedules[addon["name"]] = stable(
                client.get("/client/v11/databases/%s/transfer-schedules" % addon["id"], api="data")
            )
    reads["pg_backup_schedules"] = schedules
    serving = {
        "version": release.get("version"),
        "slug": reads["release"]["slug"],
        "web_url": found.get("web_url"),
    }
    return reads, serving


def read_aws(checks: list[dict[str, Any]], make_client: Callable[..., Any]) -> list[Any]:
    """Each published applied_state check replayed: its stored fingerprint and facts, and
    what its reads return now (those the fingerprint covers; secrets are never read)."""
    covered = []
    for check in checks:

        def client_for(service: str, region: str | None, check: dict = check) -> Any:
            region = region or check["region"]
            endpoint = check["endpoint_url"]
            # The AWS_* environment too: the credentials come from it.
            environment = tuple(sorted(i for i in os.environ.items() if i[0].startswith("AWS_")))
            key = ("deploy_record", service, region, endpoint, environment)
            return cached_client(key, lambda: make_client(service, region, endpoint))

        stored = read_stored(client_for("ssm", None), check["name"])
        reads, _ = read_all(client_for, check["reads"], stored.get("facts", {}), record=True)
        covered.append([check["name"], stored.get("fingerprint"), stored.get("facts"), reads])
    return covered


def inputs_digest(
    inputs: dict[str, Any], source: dict[str, Any], code_paths: list[str], source_version: str = ""
) -> dict:
    """The inputs as digests, by kind: the given ones, the app's source (its files and the
    version the build is given), the ops code."""
    code = {}
    for path in sorted(code_paths):
        if os.path.isdir(path):
            code[path] = tree_digest(path, ["__pycache__", "*.pyc", "*.retry"])
        elif os.path.isfile(path):
            with open(path, "rb") as handle:
                code[path] = hashlib.sha256(handle.read()).hexdigest()
        else:
            code[path] = None
    app_source = None
    if source.get("dir"):
        tree = tree_digest(source["dir"], source.get("exclude"))  # ValueError: no such dir
        app_source = digest({"tree": tree, "version": source_version})
    return {"given": digest(inputs), "source": app_source, "code": digest(code)}


INPUT_NAMES = {
    "given": "the variables",
    "source": "the app's source",
    "code": "the deployment code",
}


def inputs_differing(fresh: dict[str, Any], recorded: dict[str, Any]) -> list[str]:
    """The kinds of input (INPUT_NAMES' keys) that differ between two inputs_digest() results."""
    return [k for k in INPUT_NAMES if fresh.get(k) != recorded.get(k)]


def in_words(kinds: list[str]) -> str:
    """["given", "source"] -> "the variables and the app's source differ"."""
    names = [INPUT_NAMES[k] for k in kinds]
    return "%s differ%s" % (" and ".join(names), "" if len(names) > 1 else "s")


def compare(
    record: dict[str, Any], differing: list[str], fresh: str, state: str
) -> tuple[bool, bool, str]:
    """(unchanged, source_only, reason) of a check against ``record``: ``differing`` the
    input kinds that differ, ``fresh`` the whole digest, ``state`` the digest of the reads."""
    since = "the deploy verified at %s" % record.get("recorded_at")
    if state != record["state"]:
        reason = "what Heroku or AWS hold differs from %s" % since
        if differing:
            reason += ", and %s" % in_words(differing)
        return False, False, reason
    if not differing and fresh == record["digest"]:
        return True, False, ""
    if differing == ["source"]:
        return (
            False,
            True,
            "only the app's source differs from %s; Heroku and AWS hold what it left" % since,
        )
    return False, False, "%s from %s" % (in_words(differing or ["given"]), since)


def digest(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load(path: str) -> dict[str, Any]:
    """The record at ``path``; {} when there is none or it is not one of ours."""
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return {}
    if not isinstance(record.get("digest"), str) or not isinstance(record.get("aws_checks"), list):
        return {}
    if not isinstance(record.get("state"), str):
        return {}
    if not isinstance(record.get("inputs"), dict):
        return {}
    return record


def save(path: str, record: dict[str, Any]) -> None:
    """Write ``record`` atomically, readable by its owner only (digests of secrets inside)."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o700, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".deploy-record-")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out, indent=1, sort_keys=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def new_record(
    app: str, fresh: str, state: str, inputs: dict, serving: dict, aws_checks: list, facts: dict
) -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {
        "version": RECORD_VERSION,
        "app": app,
        "digest": fresh,
        "state": state,
        "inputs": inputs,
        "recorded_at": now.isoformat(),
        "release": serving.get("version"),
        "aws_checks": aws_checks,
        "facts": facts,
    }
