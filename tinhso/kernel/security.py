"""Security headers Django and django-csp do not set themselves.

The Content-Security-Policy comes from django-csp (``CONTENT_SECURITY_POLICY`` in settings),
HSTS, nosniff, Referrer-Policy and the cookie flags from Django's own settings. This adds the
Permissions-Policy header: which browser features the site's pages may use at all.
"""

from urllib.parse import urlsplit

from django.conf import settings


def content_security_policy(map_tile_url: str = "") -> dict:
    """The site's policy for django-csp: this site only, nothing inline for scripts.

    Scripts, styles, images, fonts, media, workers and connections come from this site; no
    plugins, no framing by anyone, forms post here only. Every page's JavaScript is a static
    file, htmx is told not to inject its indicator styles, and no template carries a style
    attribute or a <style> element, so styles need no 'unsafe-inline' either (JavaScript that
    sets ``element.style``, as Leaflet and Swagger UI do, is not governed by style-src).
    A configured map tile server (``TINHSO_MAP_TILE_URL``) is allowed for images, nothing else.
    """
    images = ["'self'", "data:"]
    if map_tile_url:
        tiles = urlsplit(map_tile_url)
        images.append(f"{tiles.scheme}://{tiles.netloc}")
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": images,
            "font-src": ["'self'"],
            "connect-src": ["'self'"],
            "media-src": ["'self'"],
            "worker-src": ["'self'"],
            "manifest-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        },
    }


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "TINHSO_PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.policy
        return response
