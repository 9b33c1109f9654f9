"""Does a bucket policy let CloudFront (as one distribution) read a key? S3's evaluation,
narrowed to what an Origin Access Control request carries.

The request is signed by the service principal `cloudfront.amazonaws.com` with
`AWS:SourceArn` = the distribution's ARN, over TLS. An explicit Deny wins; without an
Allow there is no access (the bucket is private, ACLs are disabled).
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

PRINCIPAL = "cloudfront.amazonaws.com"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if "*" in _as_list(principal.get("AWS", [])):
        return True
    return PRINCIPAL in _as_list(principal.get("Service", []))


def _action_matches(actions: Any, action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(actions))


def _resource_matches(resources: Any, arn: str) -> bool:
    return any(fnmatch.fnmatchcase(arn, r) for r in _as_list(resources))


def _conditions_hold(conditions: dict[str, Any], context: dict[str, str]) -> bool:
    """Every condition of the statement against the request's context keys (case-insensitive
    names, as IAM has them); an operator this edge does not know never holds."""
    ctx = {k.lower(): v for k, v in context.items()}
    for operator, pairs in conditions.items():
        for key, wanted in pairs.items():
            have = ctx.get(key.lower())
            values = [str(v) for v in _as_list(wanted)]
            if operator in ("StringEquals", "ArnEquals"):
                ok = have is not None and have in values
            elif operator in ("StringLike", "ArnLike"):
                ok = have is not None and any(fnmatch.fnmatchcase(have, v) for v in values)
            elif operator == "Bool":
                ok = have is not None and have.lower() in [v.lower() for v in values]
            elif operator in ("StringNotEquals", "ArnNotEquals"):
                ok = have is None or have not in values
            else:
                return False
            if not ok:
                return False
    return True


def allowed(policy_text: str | None, action: str, arn: str, source_arn: str) -> bool:
    """Whether `action` on `arn` is granted to the distribution `source_arn`."""
    if not policy_text:
        return False
    try:
        statements = _as_list(json.loads(policy_text).get("Statement", []))
    except (ValueError, AttributeError):
        return False
    context = {"AWS:SourceArn": source_arn, "aws:SecureTransport": "true"}
    allow = False
    for st in statements:
        principal = st.get("Principal")
        if principal is None or not _principal_matches(principal):
            continue
        if not _action_matches(st.get("Action", []), action):
            continue
        if not _resource_matches(st.get("Resource", []), arn):
            continue
        if not _conditions_hold(st.get("Condition", {}), context):
            continue
        if st.get("Effect") == "Deny":
            return False
        allow = allow or st.get("Effect") == "Allow"
    return allow
