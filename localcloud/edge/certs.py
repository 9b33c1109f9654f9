"""Edge certificates: one per distribution host name, signed by localcloud's CA.

localcloud's router certificate (`<home>/tls/cert.pem`, `LOCALCLOUD_TLS_CERT`) is its own
CA. The edge answers each TLS handshake for `dXXXX.cloudfront.localhost` with a leaf made
for exactly that name (chosen by SNI), so a client that trusts the CA trusts the edge too.
"""

from __future__ import annotations

import datetime
import ssl
import tempfile
import threading
from pathlib import Path

from localcloud.runtime.tls import ensure_cert, server_context

LEAF_DAYS = 397  # browsers refuse longer-lived server certificates


def _leaf_pem(ca_cert: Path, ca_key: Path, hostname: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    issuer = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    signer = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    private = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
        .issuer_name(issuer.subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),
            critical=False,
        )
        .sign(signer, hashes.SHA256())
    )
    key_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    chain = cert.public_bytes(serialization.Encoding.PEM) + ca_cert.read_bytes()
    return chain, key_pem


class EdgeCertificates:
    """A server context that picks (and mints on first use) the leaf for the SNI name."""

    def __init__(self, tls_dir: Path, suffix: str) -> None:
        self.ca_cert, self.ca_key = ensure_cert(tls_dir)
        self.suffix = suffix
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.context = server_context(tls_dir)  # the CA's own cert: 127.0.0.1 and localhost
        self.context.sni_callback = self._pick

    def _pick(self, sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        if name and name.endswith(self.suffix):
            sock.context = self._for(name.lower())

    def _for(self, hostname: str) -> ssl.SSLContext:
        with self._lock:
            ctx = self._contexts.get(hostname)
            if ctx is None:
                chain, key = _leaf_pem(self.ca_cert, self.ca_key, hostname)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                ctx.set_alpn_protocols(["http/1.1"])
                with tempfile.TemporaryDirectory() as tmp:  # ssl loads chains from files only
                    Path(tmp, "c.pem").write_bytes(chain)
                    Path(tmp, "k.pem").write_bytes(key)
                    ctx.load_cert_chain(Path(tmp, "c.pem"), Path(tmp, "k.pem"))
                self._contexts[hostname] = ctx
            return ctx
