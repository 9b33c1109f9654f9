from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.html import format_html

from apps.accounts.models import User


class SignUpForm(forms.ModelForm):
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not only numbers, not a common password.",
    )

    class Meta:
        model = User
        fields = ["email"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                format_html(
                    'An account with this email already exists. <a href="{}">Log in</a> or '
                    '<a href="{}">reset your password</a>.',
                    reverse("accounts:login"),
                    reverse("accounts:password_reset"),
                )
            )
        return email

    def _post_clean(self) -> None:
        super()._post_clean()
        password = self.cleaned_data.get("password")
        if password:
            try:
                password_validation.validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password", error)

    def save(self, commit: bool = True) -> User:
        return User.objects.create_user(self.cleaned_data["email"], self.cleaned_data["password"])


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "handle", "bio"]
        labels = {"handle": "Channel handle"}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].lower()
        taken = User.objects.filter(handle=handle).exclude(pk=self.instance.pk).exists()
        if taken:
            raise forms.ValidationError("That handle is taken.")
        return handle
