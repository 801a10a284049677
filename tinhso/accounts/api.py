"""HTTP API of the accounts room (django-ninja router, mounted under /api/v1/accounts)."""

from ninja import Router

router = Router(tags=["accounts"])
