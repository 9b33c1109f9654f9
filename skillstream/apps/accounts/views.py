"""Sign-up, login (rate limited), profile, channel pages and subscriptions."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from apps.accounts.forms import LoginForm, ProfileForm, SignUpForm
from apps.accounts.mail import send_welcome_email
from apps.accounts.models import Subscription, User
from apps.core import jobs, ratelimit
from apps.core.cache import cache_for_anonymous
from apps.core.pagination import paginate
from apps.core.urls_util import safe_next
from apps.videos.models import Video

logger = logging.getLogger(__name__)


def too_many_attempts(request: HttpRequest, seconds: int | None = None) -> HttpResponse:
    seconds = seconds or settings.RATELIMIT_WINDOW_SECONDS
    response = render(request, "429.html", {"minutes": max(1, seconds // 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("videos:home")
    ip = ratelimit.client_ip(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        # Failed attempts (probing for registered emails) are limited like logins; accounts
        # actually created from one address get a looser hourly cap.
        if ratelimit.is_limited("signup-failed", ip):
            logger.warning("event=ratelimited scope=signup reason=failures")
            return too_many_attempts(request)
        if ratelimit.is_limited("signup", ip, limit=settings.RATELIMIT_SIGNUPS_PER_HOUR):
            logger.warning("event=ratelimited scope=signup reason=hourly_cap")
            return too_many_attempts(request, 3600)
        if not form.is_valid():
            ratelimit.hit("signup-failed", ip)
        else:
            ratelimit.hit("signup", ip, window=3600)
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            logger.info("event=signup user=%s", user.pk)
            jobs.enqueue(send_welcome_email, user.pk, request.build_absolute_uri("/"))
            messages.success(request, "Welcome to SkillStream! Your channel is ready.")
            return redirect("accounts:profile")
    return render(request, "accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's login with a limit on failed attempts per client address and email."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self.limit_key = (ratelimit.client_ip(request), request.POST.get("username", ""))
        if ratelimit.is_limited("login", *self.limit_key):
            logger.warning("event=ratelimited scope=login")
            return too_many_attempts(request)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        ratelimit.hit("login", *self.limit_key)
        return super().form_invalid(form)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        ratelimit.reset("login", *self.limit_key)
        messages.success(self.request, f"Welcome back, {form.get_user().name}.")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by email, limited per client address so it cannot be used to flood
    someone's inbox."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        ip = ratelimit.client_ip(request)
        if ratelimit.is_limited("password_reset", ip):
            logger.warning("event=ratelimited scope=password_reset")
            return too_many_attempts(request)
        ratelimit.hit("password_reset", ip)
        return super().post(request, *args, **kwargs)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("accounts:channel", handle=request.user.handle)
    return render(request, "accounts/profile.html", {"form": form})


@cache_for_anonymous
def channel(request: HttpRequest, handle: str) -> HttpResponse:
    owner = get_object_or_404(
        User.objects.annotate(subscriber_count=Count("subscribers")), handle=handle.lower()
    )
    videos = Video.objects.published().for_cards().filter(owner=owner)
    page = paginate(request, videos)
    subscribed = (
        request.user.is_authenticated
        and Subscription.objects.filter(subscriber=request.user, channel=owner).exists()
    )
    return render(
        request,
        "accounts/channel.html",
        {"owner": owner, "page": page, "subscribed": subscribed},
    )


@login_required
@require_POST
def toggle_subscription(request: HttpRequest, handle: str) -> HttpResponse:
    channel_user = get_object_or_404(User, handle=handle)
    if channel_user == request.user:
        messages.error(request, "You can't subscribe to your own channel.")
    elif request.POST.get("action") == "unsubscribe":
        Subscription.objects.filter(subscriber=request.user, channel=channel_user).delete()
        messages.info(request, f"Unsubscribed from {channel_user.name}.")
    else:
        Subscription.objects.get_or_create(subscriber=request.user, channel=channel_user)
        messages.success(request, f"Subscribed to {channel_user.name}.")
    return redirect(safe_next(request, channel_user.get_absolute_url()))
