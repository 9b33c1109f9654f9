"""Unit tests of the CloudFront configuration comparison (one pure function)."""

from __future__ import annotations

import copy

from ansible_collections.skillstream.aws.plugins.module_utils.cloudfront_config import (
    config_differences,
)

DESIRED = {
    "CallerReference": "media",
    "PriceClass": "PriceClass_100",
    "Aliases": {"Quantity": 2, "Items": ["a.example", "b.example"]},
    "Origins": {
        "Quantity": 1,
        "Items": [
            {
                "Id": "s3-media",
                "DomainName": "m.s3.us-east-1.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "OriginAccessControlId": "OAC1",
            }
        ],
    },
    "DefaultCacheBehavior": {
        "AllowedMethods": {
            "Quantity": 2,
            "Items": ["GET", "HEAD"],
            "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]},
        },
        "Compress": True,
    },
    "CustomErrorResponses": {"Quantity": 0},
}


def read_back() -> dict:
    """What moto returns: extra defaults, reordered lists, dropped OAC keys."""
    current = copy.deepcopy(DESIRED)
    current["Aliases"]["Items"].reverse()
    origin = current["Origins"]["Items"][0]
    del origin["S3OriginConfig"], origin["OriginAccessControlId"]
    origin.update({"ConnectionAttempts": 3, "OriginShield": {"Enabled": False}})
    current["DefaultCacheBehavior"]["AllowedMethods"]["Items"] = ["HEAD", "GET"]
    current["CustomErrorResponses"] = {"Quantity": 0, "Items": []}
    current["Logging"] = {"Enabled": False}
    return current


def test_read_back_with_service_defaults_is_equal() -> None:
    assert config_differences(DESIRED, read_back()) == []


def test_changed_values_are_named() -> None:
    current = read_back()
    current["PriceClass"] = "PriceClass_All"
    current["Aliases"]["Items"] = ["a.example"]
    current["DefaultCacheBehavior"]["Compress"] = False
    assert config_differences(DESIRED, current) == [
        "PriceClass",
        "Aliases.Items",
        "DefaultCacheBehavior.Compress",
    ]


def test_a_returned_but_different_oac_is_drift() -> None:
    current = read_back()
    current["Origins"]["Items"][0]["OriginAccessControlId"] = ""
    assert config_differences(DESIRED, current) == ["Origins.Items[s3-media].OriginAccessControlId"]


def test_caller_reference_can_be_ignored() -> None:
    current = read_back()
    current["CallerReference"] = "other"
    assert config_differences(DESIRED, current, ignore=("CallerReference",)) == []
    assert config_differences(DESIRED, current) == ["CallerReference"]
