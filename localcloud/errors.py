"""What the domain says went wrong, by Heroku's error ids. The HTTP layer turns these into
statuses in one place (api/errors.py); nothing here knows about HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `error_id` is Heroku's `id` for it."""

    error_id = "invalid_params"

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(DomainError):
    error_id = "not_found"

    def __init__(self, resource: str) -> None:
        super().__init__(f"Couldn't find that {resource}.", resource=resource)


class Invalid(DomainError):
    error_id = "invalid_params"
