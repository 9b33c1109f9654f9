"""A cached page's one Redis round trip: the page's keys, the session, what is cached about the
session's user (keys named after them), and optionally a write when the page is there (the
watch page counts its view).

The user's keys are named in the script from the id stored beside the session
(apps.accounts.sessions: the hint). The session read in the same script is what decides who is
signed in: the keys read for the hint are used only when it names the session's user, and read
again in a second round trip otherwise (a session saved before hints existed).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from apps.accounts import session_user
from apps.accounts.sessions import SessionStore
from apps.core.cache import decode, redis_client

USER = "SESSIONUSER"  # where the user's id goes in a key named after them
NO_SESSION = "session-user:"  # a key never set: the session read when there is no session
# KEYS: 1-3 the on-hit function's, 4 the session, 5 its hint, 6.. fixed keys. ARGV: 1-3 the
# on-hit function's, 4 fixed keys, 5 keys named after the user, 6 the (1-based) fixed key whose
# presence runs on_hit (0: never), then a prefix and a suffix per key named after the user.
BODY = """
local fixed, named, run_if = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local session = redis.call('GET', KEYS[4])
local user = false
if session then user = redis.call('GET', KEYS[5]) end
local keys = {}
for i = 1, fixed do keys[i] = KEYS[5 + i] end
if user then
  for i = 1, named do keys[fixed + i] = ARGV[5 + 2 * i] .. user .. ARGV[6 + 2 * i] end
end
local found = {}
if #keys > 0 then found = redis.call('MGET', unpack(keys)) end
local outcome = -1
if run_if > 0 and found[run_if] then outcome = on_hit() end
return {session, user, found, outcome}
"""
_scripts: dict[str, Any] = {}


def read(
    request: HttpRequest,
    fixed: list[str],
    named: Callable[[Any], list[str]] | None = None,
    on_hit: tuple[str, list[str], list[Any]] | None = None,
    run_if: str | None = None,
) -> tuple[dict[str, Any], int | None, int]:
    """(the values found, as cache.get_many gives them, of `fixed` and of `named(user id)`;
    the id of the user the session names, None for none; on_hit's outcome, -1 if not run).

    `on_hit`: (Lua function body using KEYS[1..3] and ARGV[1..3], those keys, those args), run
    in the same script when the key `run_if` (one of `fixed`) is there. The session is loaded
    from what was read: the request needs no round trip for it either.
    """
    redis = redis_client()
    store = request.session
    if redis is None or not isinstance(store, SessionStore) or not cache_is_sessions():
        return _read_apart(request, fixed, named, on_hit, run_if)
    names = store.names()
    on_hit_source, on_hit_keys, on_hit_args = on_hit or ("return -1", ["-", "-", "-"], [0, 0, 0])
    # make_key, not make_and_validate_key: these are the app's own keys, and validating
    # (memcached's rules, character by character) costs more than the rest of the naming.
    templates: list[str] = []
    for key in named(USER) if named else []:
        prefix, _, suffix = cache.make_key(key).partition(USER)
        templates += [prefix, suffix]
    full = [cache.make_key(key) for key in fixed]
    session_names = [cache.make_key(name) for name in names] if names else []
    script = _script(redis, on_hit_source)
    raw_session, hint, values, outcome = script(
        keys=[*on_hit_keys, *(session_names or [NO_SESSION, NO_SESSION]), *full],
        args=[
            *on_hit_args,
            len(fixed),
            len(templates) // 2,
            fixed.index(run_if) + 1 if run_if is not None else 0,
            *templates,
        ],
    )
    found = {key: decode(raw) for key, raw in zip(fixed, values, strict=False) if raw}
    if names:
        store.preread(decode(raw_session) if raw_session else None)
    user_id = session_user.session_user_id(request)
    if named and user_id is not None:
        mine = named(user_id)
        if hint is not None and int(hint) == user_id:
            named_values = values[len(fixed) :]
            found.update(
                (k, decode(raw)) for k, raw in zip(mine, named_values, strict=False) if raw
            )
        else:
            found.update(cache.get_many(mine))  # no hint, or an old one: read them now
    return found, user_id, outcome


def cache_is_sessions() -> bool:
    """The sessions live in the cache the script runs on."""
    return settings.SESSION_CACHE_ALIAS == "default"


def _read_apart(request, fixed, named, on_hit, run_if):
    """Without Redis or the hinted sessions: the session, then the keys (no on_hit: the caller
    does that write itself)."""
    user_id = session_user.session_user_id(request)
    keys = [*fixed, *(named(user_id) if named and user_id is not None else [])]
    return cache.get_many(keys), user_id, -1


def _script(redis, on_hit_source: str):
    if on_hit_source not in _scripts:
        source = f"local function on_hit()\n{on_hit_source}\nend\n{BODY}"
        _scripts[on_hit_source] = redis.register_script(source)  # EVALSHA, loaded on first use
    return _scripts[on_hit_source]
