"""Outreach channels behind one interface (``base.ChannelClient``).

``get_client(name)`` → the client of ``"portal"``, ``"sms"``, ``"zalo"`` or ``"email"``;
``register_client`` lets tests or an installation swap one. ``CONTENT_KINDS`` says which kind
of content each channel carries.
"""

from __future__ import annotations

from tinhso.outreach.channels.base import ChannelClient, OutgoingMessage, SendResult
from tinhso.outreach.channels.mail import EmailClient
from tinhso.outreach.channels.portal import PortalClient
from tinhso.outreach.channels.sms import SmsClient
from tinhso.outreach.channels.zalo import ZaloClient

__all__ = ["ChannelClient", "OutgoingMessage", "SendResult", "get_client", "register_client"]

_CLIENTS: dict[str, ChannelClient] = {
    "portal": PortalClient(),
    "sms": SmsClient(),
    "zalo": ZaloClient(),
    "email": EmailClient(),
}

CONTENT_KINDS = {
    "portal": frozenset({"article"}),
    "sms": frozenset({"sms"}),
    "zalo": frozenset({"zalo"}),
    "email": frozenset({"email", "article"}),
}


def get_client(name: str) -> ChannelClient:
    return _CLIENTS[name]


def register_client(name: str, client: ChannelClient) -> None:
    _CLIENTS[name] = client


def channel_names() -> list[str]:
    return list(_CLIENTS)
