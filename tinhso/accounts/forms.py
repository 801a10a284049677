"""Forms of the accounts pages."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.validators import normalise_login_name


class LoginForm(AuthenticationForm):
    """Sign in with a username, a CCCD (citizens) or a tax code (businesses)."""

    username = forms.CharField(
        label=_("Username or citizen identity number (CCCD)"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        return normalise_login_name(self.cleaned_data["username"])
