"""What localcloud refuses on collaborators, keys, account features, SNI endpoints and the
add-on plan's shapes: each a 422 (or 404) whose message names what is wrong."""

from __future__ import annotations

import lc_sample


def _refused(resp, status: int, words: str) -> None:
    assert resp.status_code == status, resp.text
    assert words in resp.json()["message"], resp.json()


def test_collaborators_refuse_a_non_email_a_duplicate_and_the_owner(api, app) -> None:
    base = f"/apps/{app['name']}/collaborators"
    _refused(api.post(base, json={"user": "not-an-email"}), 422, "user must be an email")
    assert api.post(base, json={"user": {"email": "a@example.com"}}).status_code == 201
    _refused(api.post(base, json={"user": "a@example.com"}), 422, "already a collaborator")
    _refused(api.delete(f"{base}/developer@localcloud.invalid"), 422, "owner cannot be removed")
    _refused(api.delete(f"{base}/nobody@example.com"), 404, "collaborator")


def test_keys_refuse_what_is_not_an_openssh_public_key(api) -> None:
    _refused(api.post("/account/keys", json={}), 422, "public_key is required")
    _refused(api.post("/account/keys", json={"public_key": "ssh-dss AAAA"}), 422,
             "public_key must start with one of ssh-rsa")  # fmt: skip
    _refused(api.post("/account/keys", json={"public_key": "ssh-ed25519 %%%"}), 422,
             "not base64")  # fmt: skip


def test_account_features_take_a_boolean_and_known_names(api) -> None:
    _refused(api.patch("/account/features/enable-metrics-api", json={"enabled": "yes"}), 422,
             "enabled must be true or false")  # fmt: skip
    _refused(api.get("/account/features/no-such-feature"), 404, "account-feature")


def test_sni_endpoint_refuses_a_key_of_another_certificate(api, app) -> None:
    cert, _ = lc_sample.self_signed("one.example.org")
    _, other_key = lc_sample.self_signed("two.example.org")
    base = f"/apps/{app['name']}/sni-endpoints"
    _refused(api.post(base, json={"certificate_chain": cert, "private_key": other_key}), 422,
             "Key doesn't match the certificate")  # fmt: skip
    _refused(api.post(base, json={"certificate_chain": "nope", "private_key": other_key}), 422,
             "certificate_chain is not a PEM certificate")  # fmt: skip
    _refused(api.post(base, json={}), 422, "certificate_chain and private_key are required")


def test_addon_plan_by_object_and_unknown_plans(api, app) -> None:
    base = f"/apps/{app['name']}/addons"
    _refused(api.post(base, json={"plan": {"name": "heroku-nosuch:mini"}}), 422,
             "add-on plan of 'heroku-nosuch:mini'")  # fmt: skip
    _refused(api.post(base, json={"plan": {}}), 422, "plan is required")
