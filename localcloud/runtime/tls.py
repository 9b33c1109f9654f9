"""The router's TLS certificate: self-signed for 127.0.0.1 and localhost, made once per home.

Heroku's router terminates TLS in front of the dyno. localcloud does the same with one
self-signed certificate that clients trust by pointing their CA bundle at `cert.pem`
(`LOCALCLOUD_TLS_CERT`). It is written once under `<home>/tls/` and reused across
restarts, so a client that trusted it once keeps trusting it; an expired or unreadable
pair is replaced.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import ipaddress
import os
import ssl
import subprocess
import tempfile
from pathlib import Path

VALID_DAYS = 3650
RENEW_BEFORE = datetime.timedelta(days=30)
COMMON_NAME = "localcloud router"


def cert_paths(tls_dir: Path) -> tuple[Path, Path]:
    """Where the certificate and its key live (they may not exist yet)."""
    return tls_dir / "cert.pem", tls_dir / "key.pem"


def ensure_cert(tls_dir: Path) -> tuple[Path, Path]:
    """The certificate and key under `tls_dir`, generated when missing or expiring.

    A lock file keeps two processes on one home from writing a mismatched pair."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    cert, key = cert_paths(tls_dir)
    with (tls_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _usable(cert, key):
            _generate(cert, key)
    return cert, key


def server_context(tls_dir: Path) -> ssl.SSLContext:
    """A server-side context holding the (generated if needed) certificate."""
    cert, key = ensure_cert(tls_dir)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])  # the router speaks HTTP/1.1 only, as Heroku's does
    ctx.load_cert_chain(cert, key)
    return ctx


def _usable(cert: Path, key: Path) -> bool:
    if not (cert.is_file() and key.is_file()):
        return False
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert, key)  # a matching pair
        return not _expiring(cert)
    except (ssl.SSLError, OSError, ValueError, subprocess.SubprocessError):
        return False


def _expiring(cert: Path) -> bool:
    try:
        from cryptography import x509
    except ImportError:
        seconds = str(int(RENEW_BEFORE.total_seconds()))
        check = ["openssl", "x509", "-noout", "-checkend", seconds, "-in", str(cert)]
        return subprocess.run(check, capture_output=True).returncode != 0
    not_after = x509.load_pem_x509_certificate(cert.read_bytes()).not_valid_after_utc
    return not_after - datetime.datetime.now(datetime.UTC) < RENEW_BEFORE


def _generate(cert: Path, key: Path) -> None:
    try:
        cert_pem, key_pem = _with_cryptography()
    except ImportError:
        cert_pem, key_pem = _with_openssl()
    # The key first, both by rename: a reader never sees a cert without its key.
    _write_atomic(key, key_pem, 0o600)
    _write_atomic(cert, cert_pem, 0o644)


def _with_cryptography() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    # P-256: handshakes cost a fraction of RSA-2048's, and every client accepts it.
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(private.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        # Its own CA (clients use it as their CA bundle) and a server certificate.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    certificate = builder.sign(private, hashes.SHA256())
    key_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def _with_openssl() -> tuple[bytes, bytes]:
    """The same certificate through the `openssl` command (no `cryptography` installed)."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", str(key), "-out", str(cert), "-days", str(VALID_DAYS),
                "-subj", f"/CN={COMMON_NAME}",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
                "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
                "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
                "-addext", "extendedKeyUsage=serverAuth",
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return cert.read_bytes(), key.read_bytes()


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def bundle_path(tls_dir: Path) -> Path:
    return tls_dir / "ca-bundle.pem"


def ensure_ca_bundle(tls_dir: Path) -> Path:
    """The machine's usual CAs plus localcloud's, in one file (`SSL_CERT_FILE`,
    `REQUESTS_CA_BUNDLE` from `localcloud env`): clients then trust the apps' https URLs and
    still every site they trusted before."""
    cert, _key = ensure_cert(tls_dir)
    target = bundle_path(tls_dir)
    sources: list[Path] = []
    paths = ssl.get_default_verify_paths()
    candidates = [os.environ.get("SSL_CERT_FILE"), os.environ.get("REQUESTS_CA_BUNDLE"),
                  paths.cafile, paths.openssl_cafile]  # fmt: skip
    with contextlib.suppress(ImportError):
        import certifi

        candidates.append(certifi.where())
    for name in candidates:
        if not name or not Path(name).is_file():
            continue
        real = Path(name).resolve()
        if real != target.resolve() and real not in sources and real.parent != tls_dir.resolve():
            sources.append(real)
    data = b"".join(p.read_bytes().rstrip(b"\n") + b"\n" for p in sources) + cert.read_bytes()
    if not target.is_file() or target.read_bytes() != data:
        _write_atomic(target, data, 0o644)
    return target
