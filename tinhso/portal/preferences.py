"""Display preferences (text size, high contrast) kept in cookies.

The server reads the cookies to render the classes on ``<html>`` (no flash of the wrong size
or colours on a slow phone); ``static/tinhso/js/a11y.js`` writes the same cookies (and a copy in
localStorage) when the visitor presses a control; ``views.display_preferences`` writes them when
JavaScript is off. The cookie values are checked against the lists below and never echoed raw.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

FONT_COOKIE = "tinhso_font"
CONTRAST_COOKIE = "tinhso_contrast"
# One year: a preference is a lasting need, not a session's whim.
COOKIE_MAX_AGE = 365 * 24 * 60 * 60

# Text sizes from smallest to largest; site.css maps each to a root font size.
FONT_SIZES = ("sm", "md", "lg", "xl", "xxl")
DEFAULT_FONT_SIZE = "md"
CONTRAST_MODES = ("normal", "high")
DEFAULT_CONTRAST = "normal"


@dataclass(frozen=True)
class DisplayPreferences:
    font_size: str = DEFAULT_FONT_SIZE
    contrast: str = DEFAULT_CONTRAST

    @property
    def high_contrast(self) -> bool:
        return self.contrast == "high"

    @property
    def is_default_size(self) -> bool:
        return self.font_size == DEFAULT_FONT_SIZE

    @property
    def is_smallest(self) -> bool:
        return self.font_size == FONT_SIZES[0]

    @property
    def is_largest(self) -> bool:
        return self.font_size == FONT_SIZES[-1]

    @property
    def html_classes(self) -> str:
        """The classes for ``<html>``; empty for the defaults."""
        classes = []
        if self.font_size != DEFAULT_FONT_SIZE:
            classes.append(f"font-{self.font_size}")
        if self.high_contrast:
            classes.append("contrast-high")
        return " ".join(classes)

    def with_font_step(self, step: int) -> DisplayPreferences:
        """One size larger (``step=1``) or smaller (``-1``), stopping at the ends."""
        index = FONT_SIZES.index(self.font_size) + step
        index = max(0, min(len(FONT_SIZES) - 1, index))
        return DisplayPreferences(font_size=FONT_SIZES[index], contrast=self.contrast)


def preferences_from_request(request: HttpRequest) -> DisplayPreferences:
    font_size = request.COOKIES.get(FONT_COOKIE, "")
    contrast = request.COOKIES.get(CONTRAST_COOKIE, "")
    return DisplayPreferences(
        font_size=font_size if font_size in FONT_SIZES else DEFAULT_FONT_SIZE,
        contrast=contrast if contrast in CONTRAST_MODES else DEFAULT_CONTRAST,
    )


def store_preferences(
    request: HttpRequest, response: HttpResponse, preferences: DisplayPreferences
) -> None:
    # Not HttpOnly: a11y.js reads and writes the same cookies. They hold no personal data.
    for name, value in (
        (FONT_COOKIE, preferences.font_size),
        (CONTRAST_COOKIE, preferences.contrast),
    ):
        response.set_cookie(
            name,
            value,
            max_age=COOKIE_MAX_AGE,
            samesite="Lax",
            secure=request.is_secure(),
            httponly=False,
        )
