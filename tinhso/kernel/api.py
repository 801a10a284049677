"""HTTP API of the kernel room (django-ninja router, mounted under /api/v1/kernel)."""

from ninja import Router

router = Router(tags=["kernel"])
