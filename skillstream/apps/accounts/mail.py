"""The emails an account gets from SkillStream itself (password resets are Django's)."""

import logging

from django.core.mail import send_mail
from django.urls import reverse

from apps.accounts.models import User

logger = logging.getLogger(__name__)


def send_welcome_email(user_id: int, site_url: str) -> None:
    """Welcome a new account (run by the worker; a mail outage never fails a sign-up)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return
    base = site_url.rstrip("/")
    try:
        send_mail(
            subject="Welcome to SkillStream",
            message=(
                f"Hello {user.name},\n\n"
                "Your SkillStream account and channel are ready.\n\n"
                f"Upload your first video: {base}{reverse('videos:upload')}\n"
                f"Forgot your password some day? {base}{reverse('accounts:password_reset')}\n\n"
                "SkillStream"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    except OSError:
        logger.exception("event=welcome_email_failed user=%s", user_id)
