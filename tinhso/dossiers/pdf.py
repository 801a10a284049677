"""The one-stop desk's documents as PDF: forms 01–07 and the result document.

Pure rendering, no database access: the caller (services, views) gathers the facts into a
``context`` dict and gets PDF bytes back. The forms follow the annex of Circular 01/2018/TT-VPCP
(renumbered by Circular 03/2025/TT-VPCP): national motto header, the agency, the form number,
the content and a signature block. They are always written in Vietnamese, whatever the
language of the request that asks for them.

WeasyPrint (which needs Pango) is imported inside :func:`render_form`, so the web server
starts on a machine without Pango; rendering there raises :class:`PdfUnavailable` with what
to install.

Fonts: Noto Serif (latin + vietnamese subsets, from the npm registry, copied into
build/static/vendor/fonts/ by scripts/build_assets.py); DejaVu Serif when it is absent.

Context keys (values may be omitted; dates are aware datetimes or dates, shown in local time)
----------------------------------------------------------------------------------------------
Common to every form:
  dossier_code, procedure_name, procedure_code, applicant_name, applicant_address,
  applicant_phone, applicant_email, agency_name (the receiving/processing agency),
  parent_agency_name (its governing body, printed above it), unit_name (place in the date line),
  received_at, due_at, officer_name, lookup_url (the QR code target), issued_at (date line,
  default now), papers [{name, copies}].
Per form:
  "01" receipt: papers, processing_days, received_at, due_at, result_place, register_book,
       register_number, lookup_url (QR printed).
  "02" supplement request: supplement_items [str], reasons [str] (optional), contact_phone.
  "03" refusal: reasons [str], legal_basis (str, optional).
  "04" apology: due_at (the missed date), reasons [str], new_due_at, signer_name, signer_title.
  "05" stop processing: reasons [str], legal_basis (str, optional), signer_name, signer_title.
  "06" hand-over log: steps [{agency, officer, received_at, due_at, done_at,
       classification ("early" | "on_time" | "late" or free text), note}].
  "07" register (A4 landscape): rows [{dossier_code, procedure_name, copies, applicant_name,
       applicant_address, agency_name, received_at, due_at, transferred_to, done_at,
       returned_at, note}], period (str, e.g. "Tháng 11/2026"); the dossier keys are not used.
  "result": result_title, result_number, result_body (str; blank lines separate paragraphs),
       signer_name, signer_title, lookup_url (QR printed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tinhso.kernel.pdf import PdfUnavailable, font_dir, font_faces, html_to_pdf

__all__ = ["PdfUnavailable", "font_dir", "qr_svg", "render_form", "render_form_html"]

FORMS = ("01", "02", "03", "04", "05", "06", "07", "result")


def qr_svg(data: str) -> str:
    """The QR code of ``data`` (error correction M) as inline SVG markup."""
    return segno.make(data, error="m", micro=False).svg_inline(scale=3, border=2)


class LocalTime:
    """A date or datetime, shown the way Vietnamese forms write it."""

    def __init__(self, value: dt.date | dt.datetime) -> None:
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        self.value = value

    @property
    def has_time(self) -> bool:
        return isinstance(self.value, dt.datetime)

    @property
    def date_text(self) -> str:
        v = self.value
        return _("day %(day)02d month %(month)02d year %(year)d") % {
            "day": v.day,
            "month": v.month,
            "year": v.year,
        }

    @property
    def short(self) -> str:
        v = self.value
        text = f"{v.day:02d}/{v.month:02d}/{v.year}"
        return f"{v.hour:02d}:{v.minute:02d} {text}" if self.has_time else text

    def __str__(self) -> str:
        if not self.has_time:
            return self.date_text
        return _("%(hour)02d:%(minute)02d, %(date)s") % {
            "hour": self.value.hour,
            "minute": self.value.minute,
            "date": self.date_text,
        }


def _prepare(value: Any) -> Any:
    if isinstance(value, dt.date):
        return LocalTime(value)
    if isinstance(value, dict):
        return {key: _prepare(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_prepare(item) for item in value]
    return value


def _classification(value: Any) -> Any:
    labels = {"early": _("Early"), "on_time": _("On time"), "late": _("Late")}
    return labels.get(value, value)


def render_form_html(form: str, context: dict) -> str:
    """The HTML WeasyPrint lays out (exposed for tests and previews)."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; expected one of {', '.join(FORMS)}")
    ctx = _prepare(dict(context))
    ctx.setdefault("issued_at", LocalTime(timezone.now()))
    for step in ctx.get("steps") or []:
        step["classification"] = _classification(step.get("classification"))
    if ctx.get("lookup_url"):
        ctx["qr"] = mark_safe(qr_svg(ctx["lookup_url"]))  # noqa: S308 (segno's own markup)
    if isinstance(ctx.get("result_body"), str):
        ctx["result_paragraphs"] = [
            p.strip() for p in ctx["result_body"].split("\n\n") if p.strip()
        ]
    ctx["font_faces"] = mark_safe(font_faces())  # noqa: S308 (our own file URLs)
    ctx["form"] = form
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(f"dossiers/pdf/form_{form}.html", ctx)


def render_form(form: str, context: dict) -> bytes:
    """Render one of the desk's forms ("01"…"07", "result") to PDF bytes (A4)."""
    return html_to_pdf(render_form_html(form, context))
