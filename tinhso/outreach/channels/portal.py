"""Portal news client: "sending" an article publishes it as a ``News`` row on the site.

The pages render ``News`` at /truyen-thong/ and in the RSS feed; there is no remote side,
so the one "recipient" of a portal dispatch is the address ``"portal"``.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.text import slugify

from tinhso.kernel.text import fold
from tinhso.outreach import errors
from tinhso.outreach.channels.base import OutgoingMessage, SendResult

ADDRESS = "portal"


def _unique_slug(title: str, content_id: int) -> str:
    base = slugify(fold(title))[:200] or "tin"
    return f"{base}-{content_id}"


class PortalClient:
    name = "portal"

    def disabled_reason(self) -> str | None:
        return None

    def normalize_address(self, address: str) -> str:
        if (address or ADDRESS) != ADDRESS:
            raise errors.AddressInvalid()
        return ADDRESS

    def send(self, *, address: str, message: OutgoingMessage) -> SendResult:
        from tinhso.outreach.models import Content, News

        content = Content.objects.get(pk=message.content_id)
        news, _created = News.objects.update_or_create(
            content=content,
            defaults={
                "unit": content.unit,
                "slug": _unique_slug(content.title, content.pk),
                "title": content.title,
                "summary": content.summary,
                "body": content.body,
                "is_visible": True,
            },
            create_defaults={
                "unit": content.unit,
                "slug": _unique_slug(content.title, content.pk),
                "title": content.title,
                "summary": content.summary,
                "body": content.body,
                "is_visible": True,
                "published_at": timezone.now(),
            },
        )
        return SendResult(ok=True, provider_message_id=news.slug)
