"""Each Postgres add-on has its own login role and password: its URL opens its own database,
and no other add-on's (as two Heroku Postgres databases never share credentials).

Essential plans live on the machine's shared PostgreSQL, which trusts loopback connections
(the project's setup), so there the password is not checked: the role and the database's
ACL are. Plans with their own cluster (standard and up) check the password (scram-sha-256)."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg2
import pytest
from conftest import wait_for


def database_url(api, app: str, plan: str = "heroku-postgresql:essential-0") -> str:
    addon = api.post(f"/apps/{app}/addons", json={"plan": plan}).json()
    wait_for(lambda: api.get(f"/addons/{addon['id']}").json()["state"] == "provisioned")
    return api.get(f"/apps/{app}/config-vars").json()["DATABASE_URL"]


def test_two_postgres_addons_never_share_a_role_or_a_database(api) -> None:
    apps = ["pg-roles-a", "pg-roles-b", "pg-roles-c"]
    for name in apps:
        api.post("/apps", json={"name": name})
    try:
        mine, theirs = (urlsplit(database_url(api, name)) for name in apps[:2])
        assert mine.username != theirs.username and mine.password != theirs.password
        with psycopg2.connect(mine.geturl()) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_user, current_database(), rolsuper FROM pg_roles "
                        "WHERE rolname = current_user")  # fmt: skip
            assert cur.fetchone() == (mine.username, mine.path.lstrip("/"), False)
        with pytest.raises(psycopg2.OperationalError, match="permission denied"):
            psycopg2.connect(mine._replace(path=theirs.path).geturl()).close()  # not my database
        own = urlsplit(database_url(api, apps[2], "heroku-postgresql:standard-0"))
        assert own.port != mine.port and own.username != mine.username
        psycopg2.connect(own.geturl()).close()
        wrong = own._replace(netloc=own.netloc.replace(own.password, theirs.password))
        with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
            psycopg2.connect(wrong.geturl()).close()
    finally:
        for name in apps:
            api.delete(f"/apps/{name}")
