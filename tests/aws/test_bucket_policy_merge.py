"""Unit tests of the statement merge in skillstream.aws.s3_bucket_policy_statements."""

from __future__ import annotations

from ansible_collections.skillstream.aws.plugins.modules.s3_bucket_policy_statements import (
    merge,
)

CDN = {
    "Sid": "Cdn",
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": ["s3:GetObject"],
    "Resource": "arn:aws:s3:::b/media/*",
}
TLS = {"Sid": "Tls", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}


def test_others_statements_are_kept_and_ours_added() -> None:
    statements, changed = merge([TLS], [CDN], present=True)
    assert statements == [TLS, CDN]
    assert changed == ["Cdn"]


def test_a_statement_returned_in_normalised_form_is_unchanged() -> None:
    returned = {**CDN, "Action": "s3:GetObject"}  # S3 may collapse one-element lists
    statements, changed = merge([TLS, returned], [CDN], present=True)
    assert changed == []
    assert statements == [TLS, CDN]


def test_a_changed_statement_is_replaced_in_place() -> None:
    old = {**CDN, "Resource": "arn:aws:s3:::b/*"}
    statements, changed = merge([old, TLS], [CDN], present=True)
    assert statements == [CDN, TLS]
    assert changed == ["Cdn"]


def test_absent_removes_only_the_named_statement() -> None:
    statements, changed = merge([TLS, CDN], [{"Sid": "Cdn"}], present=False)
    assert statements == [TLS]
    assert changed == ["Cdn"]
