"""Users (who sign in with an email address) and channel subscriptions."""

import re
import secrets

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get(self, *args, **kwargs) -> "User":
        """By primary key alone in plain SQL: that is how every signed-in request loads its
        user (ModelBackend.get_user), and compiling the ORM's query cost more CPU than the
        whole lookup does without it. While a request loads its session's user, from the
        cache (apps.accounts.session_user)."""
        if args or set(kwargs) != {"pk"}:
            return super().get(*args, **kwargs)
        from apps.accounts import session_user

        if session_user.LOADING.get() is not None:
            return session_user.load(int(kwargs["pk"]))
        found = list(self.raw("SELECT * FROM accounts_user WHERE id = %s", [int(kwargs["pk"])]))
        if not found:
            raise self.model.DoesNotExist(f"No user with id {kwargs['pk']}")
        return found[0]

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        email = self.normalize_email(email).lower()
        extra.setdefault("handle", User.handle_from_email(email))
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    handle = models.SlugField(
        max_length=40,
        unique=True,
        help_text="Your channel address: letters, numbers, hyphens and underscores.",
    )
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["handle"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:channel", args=[self.handle])

    @property
    def name(self) -> str:
        return self.display_name or self.handle

    @staticmethod
    def handle_from_email(email: str) -> str:
        """A free handle derived from the email's local part (jane.doe@x → jane-doe)."""
        base = re.sub(r"[^a-z0-9_-]+", "-", email.split("@")[0].lower()).strip("-")[:30] or "user"
        handle = base
        while User.objects.filter(handle=handle).exists():
            handle = f"{base}-{secrets.token_hex(2)}"
        return handle


class Subscription(models.Model):
    subscriber = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscriptions")
    channel = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscribers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "channel"], name="unique_subscription"),
            models.CheckConstraint(
                condition=~models.Q(subscriber=models.F("channel")), name="no_self_subscription"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.channel}"
