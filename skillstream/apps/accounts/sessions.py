"""Sessions in the cache (Django's cache backend, same keys and data), with two additions that
let a page read the session and what is cached about its user in one Redis round trip
(apps.core.page_read):

- beside each session, the id of its user, as a plain integer a Redis script can read (the
  hint): written with every save, removed with the session;
- `preread`: the session's data as that round trip found it, so loading it needs no other.

The hint only says which keys to read; who is signed in is still decided by the session itself
(and Django's check of its auth hash): a view uses what it read for a user only when the hint
names the session's user.
"""

from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cache as cache_sessions

HINT_PREFIX = "session-user:"
_UNSET = object()


class SessionStore(cache_sessions.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._preread: Any = _UNSET

    def names(self) -> tuple[str, str] | None:
        """(the session's cache key, its hint's), as the cache names them; None without a
        session key (nothing to read)."""
        if self.session_key is None:
            return None
        return self.cache_key_prefix + self.session_key, HINT_PREFIX + self.session_key

    def preread(self, data: dict[str, Any] | None) -> None:
        """The session's data, read elsewhere (None: not in the cache), for load() to use."""
        self._preread = data

    def load(self) -> dict[str, Any]:
        if self._preread is _UNSET:
            return super().load()
        data, self._preread = self._preread, _UNSET
        if data is not None:
            return data
        self._session_key = None  # as Django's load does for a session not found
        return {}

    def save(self, must_create: bool = False) -> None:
        super().save(must_create)
        user_id = self._get_session().get(SESSION_KEY)
        hint = HINT_PREFIX + self.session_key
        if isinstance(user_id, str) and user_id.isdigit():
            # An int: stored as its digits (Django's Redis serializer leaves ints as they are).
            self._cache.set(hint, int(user_id), self.get_expiry_age())
        else:
            self._cache.delete(hint)

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        super().delete(session_key)
        if key is not None:
            self._cache.delete(HINT_PREFIX + key)
