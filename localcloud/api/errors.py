"""Heroku-style API errors: a status, an `id` and a message; the one place where the domain's
errors get their HTTP status."""

from __future__ import annotations

from localcloud.errors import DomainError

# Heroku's status for each error id the domain raises.
STATUS_OF_DOMAIN_ERROR = {"not_found": 404, "invalid_params": 422, "service_unavailable": 503}


class ApiError(Exception):
    def __init__(self, status: int, error_id: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, object]:
        return {"id": self.error_id, "message": self.message, **self.extra}


def not_found(resource: str, identity: str = "") -> ApiError:
    return ApiError(404, "not_found", f"Couldn't find that {resource}.", resource=resource)


def invalid(message: str) -> ApiError:
    return ApiError(422, "invalid_params", message)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def from_domain(err: DomainError) -> ApiError:
    return ApiError(STATUS_OF_DOMAIN_ERROR[err.error_id], err.error_id, err.message, **err.extra)
