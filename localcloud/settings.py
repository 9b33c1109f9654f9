"""Where localcloud keeps its state and which ports it listens on."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_PORT = 4510
DEFAULT_MOTO_PORT = 4566
DEFAULT_ROUTER_BASE_PORT = 4600
HOST = "127.0.0.1"


@dataclass
class Settings:
    home: Path
    api_port: int = DEFAULT_API_PORT
    moto_port: int = DEFAULT_MOTO_PORT
    router_base_port: int = DEFAULT_ROUTER_BASE_PORT

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.moto_port}"

    @property
    def db_path(self) -> Path:
        return self.home / "state.sqlite3"

    @property
    def pid_file(self) -> Path:
        return self.home / "localcloud.pid"

    @property
    def blobs_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def aws_state_file(self) -> Path:
        """moto's resources (buckets, objects, distributions, keys) across down and up."""
        return self.home / "aws-state.pickle"

    @property
    def log_file(self) -> Path:
        return self.home / "localcloud.log"

    @property
    def edge_port_file(self) -> Path:
        """The CloudFront edge's https port, written by the daemon once it listens."""
        return self.home / "edge-port"

    def api_key(self) -> str:
        """The API token, written once in the state dir so clients can read it from `env`."""
        path = self.home / "api-key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            token = "localcloud-" + secrets.token_hex(14)
            path.write_text(token + "\n")
            path.chmod(0o600)
        return path.read_text().strip()

    def env(self) -> dict[str, str]:
        return {
            "HEROKU_API_URL": self.api_url,
            "HEROKU_DATA_API_URL": self.api_url,
            "HEROKU_API_KEY": self.api_key(),
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "LOCALCLOUD_HOME": str(self.home),
            # The routers' https certificate: a client's CA bundle for the apps' https URLs.
            "LOCALCLOUD_TLS_CERT": str(self.home / "tls" / "cert.pem"),
            # The usual CAs plus that one: Python (ssl, requests) and Node clients then trust
            # the apps' https web_url and the CDN edge (written by `env` and by the daemon).
            "SSL_CERT_FILE": str(self.home / "tls" / "ca-bundle.pem"),
            "REQUESTS_CA_BUNDLE": str(self.home / "tls" / "ca-bundle.pem"),
            "NODE_EXTRA_CA_CERTS": str(self.home / "tls" / "cert.pem"),
        } | self._edge_env()

    def _edge_env(self) -> dict[str, str]:
        """The edge's port, once a daemon has chosen it (`up` runs before `env`)."""
        if not self.edge_port_file.exists():
            return {}
        return {"LOCALCLOUD_EDGE_PORT": self.edge_port_file.read_text().strip()}

    def save(self) -> None:
        """Remember the ports of the running instance, so later commands find it."""
        data = asdict(self)
        data["home"] = str(self.home)
        (self.home / "ports.json").write_text(json.dumps(data))


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


def resolve(
    home: str | None = None,
    api_port: int | None = None,
    moto_port: int | None = None,
    router_base_port: int | None = None,
) -> Settings:
    """Options first, then environment, then the ports of the running instance, then defaults."""
    home_path = Path(home or os.environ.get("LOCALCLOUD_HOME") or REPO_ROOT / ".localcloud")
    home_path = home_path.expanduser().resolve()
    saved: dict = {}
    ports_file = home_path / "ports.json"
    if ports_file.exists():
        saved = json.loads(ports_file.read_text())

    def pick(option: int | None, env_name: str, key: str, default: int) -> int:
        for value in (option, _env_int(env_name), saved.get(key)):
            if value:
                return int(value)
        return default

    return Settings(
        home=home_path,
        api_port=pick(api_port, "LOCALCLOUD_API_PORT", "api_port", DEFAULT_API_PORT),
        moto_port=pick(moto_port, "LOCALCLOUD_MOTO_PORT", "moto_port", DEFAULT_MOTO_PORT),
        router_base_port=pick(
            router_base_port,
            "LOCALCLOUD_ROUTER_BASE_PORT",
            "router_base_port",
            DEFAULT_ROUTER_BASE_PORT,
        ),
    )
