"""The signed-in user of a request, loaded from the cache instead of PostgreSQL.

Every signed-in request loads its user: Django's `auth.get_user` takes the user id from the
session, has the backend load that user, and checks the session's auth hash against the
user's password hash, so that a changed password logs out the other sessions. Here only the
load changes: the user's row comes from a cached copy, stored with the user's generation,
which every change to the user bumps (apps.core.signals), so the copy never outlives a change
(a new password reaches every session on its next request). The verification stays Django's.

Beside the row the copy holds what every signed-in page shows about its viewer: their unread
notifications (changes to them bump the generation too). A view that reads the cache anyway
reads `keys(user_id)` in its own round trip and passes what it found to `signed_in`.
"""

import hashlib
from contextvars import ContextVar
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth import middleware as auth_middleware
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

# Long enough to serve a visit from the cache; also how long a change made behind the ORM's
# back (an update() or SQL, which sends no signal and so bumps nothing) can go unseen.
ROW_SECONDS = 600
# Set while auth.get_user loads the session's user (see UserManager.get): (the user id the
# caller read keys() for, or None; what it found there).
LOADING: ContextVar[tuple[int | None, dict[str, Any]] | None] = ContextVar(
    "session_user_loading", default=None
)


def generation_key(user_id: int) -> str:
    """Everything cached about the user as a viewer: their row, unread count, likes..."""
    return f"user:{user_id}:generation"


@memoize
def _columns() -> tuple[tuple[str, ...], str, str]:
    """(attribute names, the SELECT of the row and unread count, the row key's schema tag)."""
    from apps.notifications.services import UNREAD_COUNT_SQL

    fields = get_user_model()._meta.concrete_fields
    names = tuple(f.attname for f in fields)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    unread = UNREAD_COUNT_SQL.replace("%s", "accounts_user.id")
    select = f"SELECT {columns}, ({unread}) AS unread_notifications"
    sql = f"{select} FROM accounts_user WHERE id = %s"  # made of constants
    # A migration that changes the columns changes the key: no row of the old shape is read.
    schema = hashlib.sha256(" ".join(names).encode()).hexdigest()[:8]
    return names, sql, schema


def row_key(user_id: int) -> str:
    return f"user:{user_id}:row:{_columns()[2]}"


def keys(user_id: int) -> list[str]:
    """What to read, in any round trip, for `signed_in` to need none of its own."""
    return [generation_key(user_id), row_key(user_id)]


def session_user_id(request: HttpRequest) -> int | None:
    """The id of the user the session is signed in as (loading the session, not the user);
    None for no one. The user may still turn out not to be signed in (gone, inactive, or
    their password changed since)."""
    try:
        user_id = request.session[SESSION_KEY]
        backend = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend not in settings.AUTHENTICATION_BACKENDS:
        return None
    return get_user_model()._meta.pk.to_python(user_id)


def signed_in(request: HttpRequest, user_id: int | None, found: dict[str, Any]) -> Any:
    """request.user, as Django's AuthenticationMiddleware gives it (session verified), its
    row taken from `found`: what the caller read of keys(user_id) (user_id as
    session_user_id gave it)."""
    request.user = _get_user(request, (user_id, found))
    return request.user


def _get_user(request: HttpRequest, prefetched: tuple[int | None, dict[str, Any]]) -> Any:
    token = LOADING.set(prefetched)
    try:
        return auth_middleware.get_user(request)  # Django's, remembered for the request
    finally:
        LOADING.reset(token)


def load(user_id: int) -> Any:
    """The user by primary key, from the cache when its copy is current (UserManager.get
    while LOADING is set); raises DoesNotExist."""
    model = get_user_model()
    names, sql, _ = _columns()
    loading = LOADING.get()
    if loading is not None and loading[0] == user_id:
        found = loading[1]
    else:
        found = cache.get_many(keys(user_id))
    generation = found.get(generation_key(user_id), 0)
    stored = found.get(row_key(user_id))
    if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == generation:
        values, unread = stored[1], stored[2]
    else:
        # Raw: the database's values converted as the ORM does, compiled as little as possible.
        found_users = list(model._default_manager.raw(sql, [user_id]))
        if not found_users:
            raise model.DoesNotExist(f"No user with id {user_id}")
        values = tuple(getattr(found_users[0], name) for name in names)
        unread = found_users[0].unread_notifications
        # Under the generation read before the query: a change committed since has bumped it.
        cache.set(row_key(user_id), (generation, values, unread), ROW_SECONDS)
    user = model.from_db(DEFAULT_DB_ALIAS, names, values)
    user.unread_notifications = unread
    return user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, the user loaded from the cache (see load)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request, (None, {})))
