"""The `mailgun` add-on: Mailgun's config vars, a local SMTP server that wants STARTTLS and
the add-on's login, every message kept and shown by `localcloud mail APP` and a page."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

import pytest
import requests

from tests.localcloud.conftest import wait_for

MAILGUN_VARS = {
    "MAILGUN_API_KEY", "MAILGUN_DOMAIN", "MAILGUN_PUBLIC_KEY", "MAILGUN_SMTP_LOGIN",
    "MAILGUN_SMTP_PASSWORD", "MAILGUN_SMTP_PORT", "MAILGUN_SMTP_SERVER",
}  # fmt: skip


def _provisioned(api, app: dict) -> dict:
    made = api.post(f"/apps/{app['name']}/addons", json={"plan": "mailgun:starter"})
    assert made.status_code == 201, made.text
    assert set(made.json()["config_vars"]) == MAILGUN_VARS
    wait_for(lambda: api.get(f"/addons/{made.json()['id']}").json()["state"] == "provisioned")
    return api.get(f"/apps/{app['name']}/config-vars").json()


def _message(to: str, subject: str, text: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg.set_content(text)
    return msg


def test_mail_is_sent_with_the_addon_login_over_starttls_and_kept(localcloud, api, app) -> None:
    config = _provisioned(api, app)
    host, port = config["MAILGUN_SMTP_SERVER"], int(config["MAILGUN_SMTP_PORT"])
    login, password = config["MAILGUN_SMTP_LOGIN"], config["MAILGUN_SMTP_PASSWORD"]
    assert login == f"postmaster@{config['MAILGUN_DOMAIN']}"
    tls = ssl.create_default_context(cafile=localcloud.env["LOCALCLOUD_TLS_CERT"])

    with smtplib.SMTP(host, port, timeout=30) as plain:  # no login before TLS
        plain.ehlo()
        with pytest.raises(smtplib.SMTPException):
            plain.login(login, password)
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.starttls(context=tls)
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(login, "not-the-password")
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.starttls(context=tls)
        smtp.login(login, password)
        smtp.send_message(
            _message("ann@example.com", "Reset your password", "Go to /reset/abc", login)
        )
        smtp.send_message(_message("bob@example.com", "New video", "Watch it", login))

    listed = localcloud.cli("mail", app["name"]).stdout
    assert "Reset your password" in listed and "ann@example.com" in listed
    assert "New video" in listed
    first = localcloud.cli("mail", app["name"], "1").stdout
    assert "Subject: Reset your password" in first and "Go to /reset/abc" in first
    page = requests.get(f"{localcloud.api_url}/__localcloud/mail/{app['name']}", timeout=30)
    assert page.status_code == 200 and "Go to /reset/abc" in page.text
    assert localcloud.cli("mail", app["name"], "9", check=False).returncode == 1


def test_another_apps_login_does_not_reach_this_mailbox(localcloud, api, app) -> None:
    other = api.post("/apps", json={}).json()
    try:
        theirs = _provisioned(api, other)
        ours = _provisioned(api, app)
        assert theirs["MAILGUN_SMTP_PASSWORD"] != ours["MAILGUN_SMTP_PASSWORD"]
        tls = ssl.create_default_context(cafile=localcloud.env["LOCALCLOUD_TLS_CERT"])
        with smtplib.SMTP("127.0.0.1", int(theirs["MAILGUN_SMTP_PORT"]), timeout=30) as smtp:
            smtp.starttls(context=tls)
            smtp.login(theirs["MAILGUN_SMTP_LOGIN"], theirs["MAILGUN_SMTP_PASSWORD"])
            smtp.send_message(
                _message("x@example.com", "theirs", "t", theirs["MAILGUN_SMTP_LOGIN"])
            )
        assert "no mail" in localcloud.cli("mail", app["name"]).stdout
        assert "theirs" in localcloud.cli("mail", other["name"]).stdout
    finally:
        api.delete(f"/apps/{other['id']}")


def test_removing_the_addon_removes_its_vars(api, app) -> None:
    _provisioned(api, app)
    (addon,) = api.get(f"/apps/{app['name']}/addons").json()
    assert api.delete(f"/apps/{app['name']}/addons/{addon['id']}").status_code == 200
    left = api.get(f"/apps/{app['name']}/config-vars").json()
    assert not MAILGUN_VARS & set(left)
