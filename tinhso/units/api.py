"""HTTP API of the units room (django-ninja router, mounted under /api/v1/units)."""

from ninja import Router

router = Router(tags=["units"])
