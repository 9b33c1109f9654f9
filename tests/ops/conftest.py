"""Fixtures for the operations tests: a real moto server, real PostgreSQL databases."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from .heroku_helpers import Heroku, play_local
from .heroku_helpers import psql as psql_url

ROOT = Path(__file__).resolve().parents[2]

ADMIN_URL = os.environ.get("OPS_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(sql: str, dbname: str = "postgres") -> str:
    """Run SQL as the local superuser."""
    out = subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            dbname,
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server of our own on a free loopback port (AWS-only tests)."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def s3(moto_endpoint: str):
    """A boto3 S3 client on the moto server."""
    from ansible_collections.skillstream.ops.plugins.module_utils.s3stream import s3_client

    return s3_client("us-east-1", moto_endpoint)


@pytest.fixture()
def bucket(s3) -> str:
    """A fresh versioned bucket."""
    name = f"ops-test-{secrets.token_hex(4)}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


SCHEMA_SQL = """
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text UNIQUE NOT NULL,
                       joined timestamptz NOT NULL DEFAULT now());
CREATE TABLE videos (id bigserial PRIMARY KEY, owner_id bigint REFERENCES accounts(id)
                     DEFERRABLE INITIALLY DEFERRED, title text NOT NULL, body text NOT NULL);
CREATE TABLE comments (id bigserial PRIMARY KEY, video_id bigint NOT NULL REFERENCES videos(id)
                       DEFERRABLE INITIALLY DEFERRED, body text NOT NULL);
CREATE SCHEMA reports;
CREATE TABLE reports.daily (day date PRIMARY KEY, views integer NOT NULL);
"""


def fill_sql(accounts: int, videos: int, body_bytes: int) -> str:
    """SQL adding rows; bodies are md5 hex so they compress like real text, not to zero."""
    repeat = max(1, body_bytes // 32)
    return f"""
INSERT INTO accounts (email) SELECT 'user' || g || '@example.com'
  FROM generate_series(1, {accounts}) g;
INSERT INTO videos (owner_id, title, body)
  SELECT 1 + (g % {accounts}), 'Video ' || g,
         (SELECT string_agg(md5(random()::text || g || r), '') FROM generate_series(1, {repeat}) r)
  FROM generate_series(1, {videos}) g;
INSERT INTO comments (video_id, body) SELECT 1 + (g % {videos}), 'Nice ' || g
  FROM generate_series(1, {videos} * 2) g;
INSERT INTO reports.daily SELECT current_date - g, g FROM generate_series(1, 30) g;
"""


class Database:
    """A database on the local server with its URL (the app role owns it, like Heroku)."""

    def __init__(self, name: str, role: str, password: str) -> None:
        self.name = name
        self.role = role
        self.url = f"postgres://{role}:{password}@127.0.0.1:5432/{name}"

    def sql(self, sql: str) -> str:
        """Run SQL as the superuser in this database."""
        return psql(sql, self.name)

    def count(self, table: str) -> int:
        """Rows in a table."""
        return int(self.sql(f"SELECT count(*) FROM {table}"))


def make_database(accounts: int = 50, videos: int = 200, body_bytes: int = 256) -> Database:
    """Create a database owned by a login role of its own and fill it."""
    suffix = secrets.token_hex(4)
    role, name, password = f"ops_u_{suffix}", f"ops_db_{suffix}", secrets.token_hex(12)
    psql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    psql(f"CREATE DATABASE {name} OWNER {role}")
    db = Database(name, role, password)
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db.url],
        input=SCHEMA_SQL + fill_sql(accounts, videos, body_bytes),
        text=True,
        check=True,
        capture_output=True,
    )
    return db


def drop_database(db: Database) -> None:
    """Drop a database made by make_database, and its role."""
    psql(f"DROP DATABASE IF EXISTS {db.name} WITH (FORCE)")
    psql(f"DROP ROLE IF EXISTS {db.role}")


@pytest.fixture()
def app_db() -> Iterator[Database]:
    """A small app database."""
    db = make_database()
    yield db
    drop_database(db)


@pytest.fixture(autouse=True, scope="session")
def no_leftover_drill_databases() -> Iterator[None]:
    """Drills must drop their scratch databases: fail the session when one is left."""
    before = set(psql("SELECT datname FROM pg_database WHERE datname LIKE 'drill_%'").split())
    yield
    after = set(psql("SELECT datname FROM pg_database WHERE datname LIKE 'drill_%'").split())
    assert after <= before, f"restore drills left scratch databases: {sorted(after - before)}"


APP_SEED = """
CREATE TABLE courses (id serial PRIMARY KEY, title text NOT NULL);
CREATE TABLE lessons (id serial PRIMARY KEY, course_id int REFERENCES courses(id), body text);
INSERT INTO courses (title) SELECT 'Course ' || g FROM generate_series(1, 20) g;
INSERT INTO lessons (course_id, body)
  SELECT 1 + g % 20, md5(g::text) FROM generate_series(1, 300) g;
"""


@pytest.fixture(scope="session")
def ops_app(localcloud) -> Iterator[dict]:
    """One Heroku app on the session's localcloud for every ops playbook test: a Postgres
    add-on with 320 rows, a deployed WSGI app (/healthz, /boom, Sentry SDK), and the backups
    role's provisioning (Heroku schedule, off-site bucket) done as deploy.yml does it."""
    heroku = Heroku(localcloud.api_url, localcloud.api_key)
    name = f"ops-{secrets.token_hex(3)}"
    url = heroku.create_app_with_postgres(name)
    psql_url(url, APP_SEED)
    web_url = heroku.deploy_health_app(name)
    app = {
        "name": name,
        "database_url": url,
        "web_url": web_url,
        "heroku": heroku,
        "bucket": "skillstream-local-backups",
    }
    setup = play_local(localcloud, name, "tests/ops/playbooks/provision_backups.yml")
    assert setup.returncode == 0, setup.stdout[-4000:] + setup.stderr[-2000:]
    yield app
    heroku.call("DELETE", f"/apps/{name}")
