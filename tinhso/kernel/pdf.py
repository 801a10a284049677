"""HTML → PDF for every module: WeasyPrint with the bundled Noto Serif (Vietnamese glyphs).

WeasyPrint needs the Pango system library, so it is imported only when a PDF is made: the web
server starts on a machine without Pango, and rendering there raises :class:`PdfUnavailable`
saying what to install. Fonts come from the npm registry (``@fontsource/noto-serif``, copied to
build/static/vendor/fonts by scripts/build_assets.py); templates use the families below.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

FONT_FILES = [
    ("Tinhso Serif", "noto-serif-latin-{weight}-normal.woff"),
    ("Tinhso Serif Vi", "noto-serif-vietnamese-{weight}-normal.woff"),
    ("Tinhso Serif Ext", "noto-serif-latin-ext-{weight}-normal.woff"),
]


class PdfUnavailable(RuntimeError):
    """WeasyPrint or its system libraries (Pango) cannot be loaded."""


def font_dir() -> Path | None:
    """Where the Noto Serif files are: the built vendor directory, else node_modules."""
    project = Path(settings.BASE_DIR).parent
    for candidate in (
        project / "build" / "static" / "vendor" / "fonts",
        project / "node_modules" / "@fontsource" / "noto-serif" / "files",
    ):
        if (candidate / "noto-serif-vietnamese-400-normal.woff").exists():
            return candidate
    return None


def font_faces() -> str:
    """@font-face rules for the bundled fonts (file URLs), empty when they are absent."""
    directory = font_dir()
    if directory is None:
        return ""
    rules = []
    for family, pattern in FONT_FILES:
        for weight in (400, 700):
            path = directory / pattern.format(weight=weight)
            if path.exists():
                rules.append(
                    f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                    f'src: url("{path.as_uri()}") format("woff"); }}'
                )
    return "\n".join(rules)


def html_to_pdf(html: str) -> bytes:
    """Lay ``html`` out as PDF bytes; raises :class:`PdfUnavailable` without Pango."""
    try:
        from weasyprint import HTML  # lazy: needs Pango
    except (ImportError, OSError) as error:
        raise PdfUnavailable(
            "PDF rendering needs WeasyPrint and the Pango library "
            "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0): " + str(error)
        ) from error
    return HTML(string=html, base_url=str(Path(settings.BASE_DIR))).write_pdf()
