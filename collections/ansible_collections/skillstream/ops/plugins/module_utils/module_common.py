"""Argument specs and helpers shared by the skillstream.ops modules."""

from __future__ import annotations

import os
from typing import Any, Dict

from .heroku_db import HerokuError, config_var
from .pgconn import url_to_env
from .s3stream import s3_client


def store_spec() -> Dict[str, Any]:
    """Options of the doc fragment skillstream.ops.store."""
    return {
        "bucket": {"type": "str", "required": True},
        "prefix": {"type": "str", "default": ""},
        "region": {"type": "str", "default": "us-east-1"},
        "endpoint_url": {"type": "str"},
    }


def database_spec() -> Dict[str, Any]:
    """Options of the doc fragment skillstream.ops.store.database."""
    return {
        "database_url": {"type": "str", "no_log": True},
        "app": {"type": "str"},
        "database_var": {"type": "str", "default": "DATABASE_URL"},
        "heroku_api_url": {"type": "str"},
        "heroku_api_key": {"type": "str", "no_log": True},
    }


def s3_from(params: Dict[str, Any]) -> Any:
    """The S3 client the module's options describe."""
    endpoint = params.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL")
    return s3_client(params.get("region"), endpoint)


def database_url_from(module: Any, var: str = "") -> str:
    """The database URL from the options, or from the app's config vars (no_log); with `var`,
    the URL in that config var of the app (a second database, such as a rollback)."""
    params = module.params
    if params.get("database_url") and not var:
        return params["database_url"]
    var = var or params["database_var"]
    if not params.get("app"):
        module.fail_json(msg="give database_url, or app to read %s from" % var)
    try:
        url = config_var(
            params["app"],
            var,
            params.get("heroku_api_url"),
            params.get("heroku_api_key"),
        )
    except HerokuError as exc:
        module.fail_json(msg=str(exc))
    module.no_log_values.add(url)
    password = url_to_env(url).get("PGPASSWORD")
    if password:
        module.no_log_values.add(password)
    return url


def missing_boto3() -> bool:
    """True when boto3 cannot be imported."""
    try:
        import boto3  # noqa: F401
    except ImportError:
        return True
    return False
