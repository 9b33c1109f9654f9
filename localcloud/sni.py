"""SNI endpoints: a certificate chain and its private key uploaded for an app's custom domains
(`heroku certs:add`). The certificate is parsed and checked against its key, as Heroku does,
so a wrong pair is refused at upload; localcloud's router keeps serving its own certificate."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID, NameOID

from localcloud.errors import Invalid, NotFound
from localcloud.ids import new_id, now
from localcloud.records import app_ref

NAME_WORDS = ("tyrannosaurus", "stegosaurus", "triceratops", "velociraptor", "brachiosaurus")


def _parse(chain: Any, key: Any) -> x509.Certificate:
    if not isinstance(chain, str) or not isinstance(key, str):
        raise Invalid("certificate_chain and private_key are required (PEM text)")
    try:
        certs = x509.load_pem_x509_certificates(chain.encode())
    except ValueError as exc:
        raise Invalid(f"certificate_chain is not a PEM certificate: {exc}") from None
    try:
        private = serialization.load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid(f"private_key is not an unencrypted PEM key: {exc}") from None
    if certs[0].public_key().public_numbers() != private.public_key().public_numbers():  # type: ignore[union-attr]
        raise Invalid("Key doesn't match the certificate: private_key must be its key")
    return certs[0]


def _cert_domains(cert: x509.Certificate) -> list[str]:
    try:
        names = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        return list(names.value.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        return [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]  # type: ignore[misc]


def _ssl_cert(cert: x509.Certificate) -> dict[str, Any]:
    self_signed = cert.issuer == cert.subject
    return {"ca_signed?": not self_signed, "cert_domains": _cert_domains(cert),
            "expires_at": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "issuer": cert.issuer.rfc4514_string(), "self_signed?": self_signed,
            "starts_at": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "subject": cert.subject.rfc4514_string(), "id": new_id()}  # fmt: skip


def create(store: Any, app: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    cert = _parse(body.get("certificate_chain"), body.get("private_key"))
    number = store.next_value(f"sni:{app['id']}")
    stamp = now()
    endpoint = {
        "app": app_ref(app), "certificate_chain": body["certificate_chain"],
        "created_at": stamp, "display_name": None, "domains": [], "id": new_id(),
        "name": f"{NAME_WORDS[(number - 1) % len(NAME_WORDS)]}-{number:05d}",
        "ssl_cert": _ssl_cert(cert), "updated_at": stamp,
    }  # fmt: skip
    store.put("sni-endpoint", endpoint, app["id"])
    return endpoint


def find(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    for endpoint in store.list("sni-endpoint", app["id"]):
        if ident in (endpoint["id"], endpoint["name"]):
            return with_domains(store, app, endpoint)
    raise NotFound("sni-endpoint")


def with_domains(store: Any, app: dict[str, Any], endpoint: dict[str, Any]) -> dict[str, Any]:
    """The endpoint with the ids of the app's domains that use it now."""
    used = [d["id"] for d in store.list("domain", app["id"])
            if (d.get("sni_endpoint") or {}).get("id") == endpoint["id"]]  # fmt: skip
    return {**endpoint, "domains": used}


def update(store: Any, app: dict[str, Any], ident: str, body: dict[str, Any]) -> dict[str, Any]:
    endpoint = find(store, app, ident)
    cert = _parse(body.get("certificate_chain"), body.get("private_key"))
    endpoint.update(certificate_chain=body["certificate_chain"], ssl_cert=_ssl_cert(cert),
                    updated_at=now())  # fmt: skip
    store.put("sni-endpoint", endpoint, app["id"])
    return endpoint


def delete(store: Any, app: dict[str, Any], ident: str) -> dict[str, Any]:
    endpoint = find(store, app, ident)
    for domain in store.list("domain", app["id"]):
        if (domain.get("sni_endpoint") or {}).get("id") == endpoint["id"]:
            store.put("domain", {**domain, "sni_endpoint": None, "updated_at": now()}, app["id"])
    store.delete("sni-endpoint", endpoint["id"])
    return endpoint
