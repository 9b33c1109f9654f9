"""Email backend for a production without SMTP: logs that mail was not sent, never the body."""

import logging

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger(__name__)


class UnconfiguredEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        for message in email_messages:
            logger.warning(
                "event=email_not_sent reason=no_smtp_configured recipients=%d subject=%r",
                len(message.recipients()),
                message.subject,
            )
        return 0
