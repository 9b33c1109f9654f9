"""The SMTP server behind every `mailgun` add-on: STARTTLS with localcloud's certificate,
then AUTH with the add-on's MAILGUN_SMTP_LOGIN/PASSWORD (refused before TLS, as Mailgun
refuses it), then every message kept in that add-on's mailbox."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from localcloud.mail.mailboxes import Mailboxes
from localcloud.runtime.tls import server_context
from localcloud.settings import HOST

log = logging.getLogger("localcloud.mail")
MAX_MESSAGE_BYTES = 25 << 20  # Mailgun's limit


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, _smtp: Any, session: Any, envelope: Any) -> str:
        addon_id = self.server.addon_for(session.auth_data)
        if addon_id is None:
            return "530 5.7.0 Authentication required"
        number = self.server.mailboxes.keep(
            addon_id, envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
        )
        log.info("mail: message %s kept for add-on %s", number, addon_id)
        return "250 Great success"


class MailServer:
    def __init__(self, port: int, home: Any) -> None:
        self.port = port
        self.mailboxes = Mailboxes(home / "mail")
        self._logins: dict[str, tuple[str, str]] = {}  # login -> (password, add-on id)
        self._lock = threading.Lock()
        self.controller = Controller(
            _Handler(self),
            hostname=HOST,
            port=port,
            tls_context=server_context(home / "tls"),
            require_starttls=True,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=True,
            data_size_limit=MAX_MESSAGE_BYTES,
            decode_data=False,
        )

    def start(self) -> None:
        self.controller.start()

    def shutdown(self) -> None:
        self.controller.stop()

    # -- credentials ---------------------------------------------------------------------
    def register(self, login: str, password: str, addon_id: str) -> None:
        with self._lock:
            self._logins[login] = (password, addon_id)

    def forget(self, login: str) -> None:
        with self._lock:
            self._logins.pop(login, None)

    def addon_for(self, login: Any) -> str | None:
        with self._lock:
            entry = self._logins.get(login) if isinstance(login, str) else None
        return entry[1] if entry else None

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:  # fmt: skip
        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        with self._lock:
            entry = self._logins.get(login)
        given = auth_data.password
        ok = entry is not None and hmac.compare_digest(entry[0].encode(), given)
        # handled=False: aiosmtpd itself answers 235 or 535.
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


def new_credentials(app_name: str, port: int) -> dict[str, str]:
    """What the `mailgun` add-on gives an app, by config var suffix (MAILGUN_<suffix>)."""
    domain = f"{app_name}.mailgun.localhost"
    return {
        "API_KEY": "key-" + secrets.token_hex(16),
        "DOMAIN": domain,
        "PUBLIC_KEY": "pubkey-" + secrets.token_hex(16),
        "SMTP_LOGIN": f"postmaster@{domain}",
        "SMTP_PASSWORD": secrets.token_hex(16),
        "SMTP_PORT": str(port),
        "SMTP_SERVER": HOST,
    }


def start_mail(svc: Any) -> MailServer:
    """The SMTP server on its port (taken from the router range once and kept in state, so the
    add-ons' MAILGUN_SMTP_PORT stays valid), knowing the logins of the existing add-ons."""
    from localcloud.ports import next_router_port

    doc = svc.store.get("mail", "smtp")
    if doc is None:
        doc = svc.store.put("mail", {"id": "smtp", "port": next_router_port(svc)})
    server = MailServer(doc["port"], svc.settings.home)
    for addon in svc.store.list("addon"):
        made = addon.get("_backing") or {}
        if made.get("type") == "mailbox":
            server.register(
                made["config"]["SMTP_LOGIN"], made["config"]["SMTP_PASSWORD"], addon["id"]
            )
    server.start()
    log.info("mail: SMTP on %s:%s", HOST, server.port)
    return server
