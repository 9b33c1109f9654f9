"""Provisioning hooks of the `mailgun` add-on: credentials made and registered with the SMTP
server, and forgotten (with the mailbox) on deprovisioning."""

from __future__ import annotations

from typing import Any

from localcloud.addons import BackingError
from localcloud.mail.server import new_credentials


class MailUnavailable(BackingError):
    pass


def create(svc: Any, addon: dict[str, Any]) -> dict[str, Any]:
    """The backing record: `config` maps each config var suffix (SMTP_LOGIN ...) to its value."""
    if svc.mail is None:
        raise MailUnavailable("the local SMTP server is not running")
    config = new_credentials(addon["app"]["name"], svc.mail.port)
    svc.mail.register(config["SMTP_LOGIN"], config["SMTP_PASSWORD"], addon["id"])
    return {"type": "mailbox", "config": config, "url": ""}


def value_for(made: dict[str, Any], var: str) -> str:
    """The value of config var `var` (`MAILGUN_SMTP_LOGIN`, or `EMAIL_SMTP_LOGIN` under
    another attachment name) from a backing record; other add-ons give their one URL."""
    for suffix, value in (made.get("config") or {}).items():
        if var.endswith("_" + suffix):
            return value
    return made["url"]


def destroy(svc: Any, addon: dict[str, Any]) -> None:
    made = addon.get("_backing") or {}
    if made.get("type") != "mailbox":
        return
    if svc.mail is not None:
        svc.mail.forget(made["config"]["SMTP_LOGIN"])
        svc.mail.mailboxes.remove(addon["id"])
