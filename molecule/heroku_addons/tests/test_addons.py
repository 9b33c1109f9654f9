"""The app's add-ons as a person checks them: provisioned on their plans, the database
answering its own role over DATABASE_URL (data kept across the plan change side_effect made),
the Redis add-on's own TLS redis-server answering PING with its password."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import redis


@pytest.fixture(scope="module")
def app_name(scenario) -> str:
    return scenario["heroku_app_name"]


@pytest.fixture(scope="module")
def addons(heroku, app_name) -> dict[str, dict]:
    return {a["addon_service"]["name"]: a for a in heroku.get(f"/apps/{app_name}/addons")}


@pytest.fixture(scope="module")
def config(heroku, app_name) -> dict[str, str]:
    return heroku.config_vars(app_name)


def test_both_addons_provisioned_on_their_plans(addons) -> None:
    plans = {name: (a["plan"]["name"], a["state"]) for name, a in addons.items()}
    assert plans == {
        "heroku-postgresql": ("heroku-postgresql:essential-1", "provisioned"),
        "heroku-redis": ("heroku-redis:mini", "provisioned"),
    }


def test_plan_changed_in_place(addons, host) -> None:
    kept = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "database_addon_id"
    assert addons["heroku-postgresql"]["id"] == host.file(str(kept)).content_string.strip()
    assert addons["heroku-postgresql"]["config_vars"] == ["DATABASE_URL"]
    assert addons["heroku-redis"]["config_vars"] == ["REDIS_URL"]


def test_database_answers_its_own_role_and_kept_its_data(config, listening) -> None:
    url = config["DATABASE_URL"]
    assert listening(url.replace("postgres://", "tcp://", 1)), "nothing listens at the database"
    with psycopg2.connect(url, connect_timeout=30) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT current_user, r.rolsuper, pg_get_userbyid(d.datdba) FROM pg_roles r, "
            "pg_database d WHERE r.rolname = current_user AND d.datname = current_database()"
        )
        user, superuser, owner = cur.fetchone()
        cur.execute("SELECT body FROM molecule_marker")
        rows = [row[0] for row in cur.fetchall()]
    assert user == urlsplit(url).username != "postgres"
    assert not superuser, f"{user} is a superuser"
    assert owner == user, f"the database belongs to {owner}, not to the add-on's role {user}"
    assert rows == ["kept across the plan change"]


def test_redis_is_its_own_tls_server_answering_its_password(
    config, addons, cloud, host, listening
) -> None:
    url = config["REDIS_URL"]
    parts = urlsplit(url)
    assert parts.scheme == "rediss", "Heroku's Redis speaks TLS only"
    assert listening(url)
    server = [
        p for p in host.process.filter(comm="redis-server") if p.args.endswith(f":{parts.port}")
    ]
    assert len(server) == 1, f"no redis-server of its own on port {parts.port}"
    own_dir = Path(cloud["LOCALCLOUD_HOME"]).resolve() / "redis" / addons["heroku-redis"]["id"]
    assert host.file(f"/proc/{server[0].pid}/cwd").linked_to == str(own_dir)
    assert redis.from_url(url, ssl_cert_reqs=None, socket_timeout=10).ping()
    wrong = url.replace(f":{parts.password}@", ":not-its-password@")
    with pytest.raises(redis.AuthenticationError):
        redis.from_url(wrong, ssl_cert_reqs=None, socket_timeout=10).ping()
    plain = redis.Redis(parts.hostname, parts.port, password=parts.password, socket_timeout=10)
    with pytest.raises((redis.ConnectionError, redis.TimeoutError)):
        plain.ping()  # no plaintext on the TLS port
