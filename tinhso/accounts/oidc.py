"""Sign-in through a VNeID-style OpenID Connect provider: citizens only.

The provider vouches for a person (``sub``) and, in a VNeID-style profile, their identity
number (``cccd`` or ``identity_number``), ``birthdate`` and ``gender``; the backend creates
or updates that citizen through ``services.citizen_sync_from_identity_provider``. It never
creates, or signs anyone in as, an official or a business, and never matches accounts by
e-mail (an e-mail address proves nothing about who a person is).

On top of mozilla-django-oidc's checks (signature against the provider's JWKS, ``alg``,
nonce, ``exp``, state, PKCE) the ID token must name this client in ``aud`` and, when
``OIDC_OP_ISSUER`` is set, the provider in ``iss``; the userinfo ``sub`` must be the ID
token's. A refused token ends the sign-in quietly (the callback's failure redirect) and is
logged without personal data.
"""

import datetime
import logging

import jwt
import requests
from django.core.exceptions import SuspiciousOperation, ValidationError
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from tinhso.accounts import services
from tinhso.accounts.models import User
from tinhso.kernel.errors import DomainError

logger = logging.getLogger(__name__)

CCCD_CLAIMS = ("cccd", "identity_number")
_GENDERS = {
    "male": User.Sex.MALE,
    "m": User.Sex.MALE,
    "nam": User.Sex.MALE,
    "female": User.Sex.FEMALE,
    "f": User.Sex.FEMALE,
    "nữ": User.Sex.FEMALE,
    "nu": User.Sex.FEMALE,
}


def parse_birthdate(value) -> datetime.date | None:
    """``YYYY-MM-DD`` (OpenID Connect) or ``DD/MM/YYYY`` (Vietnamese forms); else None."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    return None


def identity_from_claims(claims: dict) -> dict:
    """The keyword arguments of ``citizen_sync_from_identity_provider`` for these claims."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SuspiciousOperation("The identity provider sent no subject.")
    cccd = next((claims[name] for name in CCCD_CLAIMS if claims.get(name)), "")
    name = claims.get("name") or " ".join(
        part for part in (claims.get("family_name"), claims.get("given_name")) if part
    )
    email = claims.get("email") if claims.get("email_verified", True) is not False else ""
    return {
        "subject": subject,
        "cccd": str(cccd),
        "full_name": str(name or ""),
        "date_of_birth": parse_birthdate(claims.get("birthdate")),
        "sex": _GENDERS.get(str(claims.get("gender") or "").strip().lower(), ""),
        "email": str(email or ""),
    }


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the OIDC callback passes these; a password sign-in never reaches the provider.
        if "nonce" not in kwargs and "code_verifier" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        # mozilla-django-oidc turns only a bad signature into SuspiciousOperation; an expired
        # or not-yet-valid token would otherwise leave PyJWT's error as a 500.
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException) as exc:
            logger.warning("OpenID Connect sign-in refused: %s", exc)
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        if "nonce" in kwargs:  # the ID token (a signed userinfo answer has no nonce to check)
            audience = payload.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self.OIDC_RP_CLIENT_ID not in audiences:
                raise SuspiciousOperation("The ID token is meant for another client.")
            issuer = self.get_settings("OIDC_OP_ISSUER", "")
            if issuer and payload.get("iss") != issuer:
                raise SuspiciousOperation("The ID token comes from another issuer.")
            if "exp" not in payload:
                raise SuspiciousOperation("The ID token has no expiry.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject.")
        claims = {**payload, **userinfo}
        try:
            return services.citizen_sync_from_identity_provider(**identity_from_claims(claims))
        except DomainError as exc:
            raise SuspiciousOperation(f"The identity was refused ({exc.code}).") from exc
        except ValidationError as exc:
            errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
            codes = sorted({error.code for group in errors for error in group})
            raise SuspiciousOperation(f"The identity was refused ({codes}).") from exc

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))
