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
        help_text=_(
            "Citizens sign in with their 12-digit citizen identity number (CCCD); "
            "businesses with their tax code."
        ),
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                # Phone keyboards must not capitalise or "correct" a username.
                "autocapitalize": "none",
                "autocorrect": "off",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_username(self) -> str:
        return normalise_login_name(self.cleaned_data["username"])
