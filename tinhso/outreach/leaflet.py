"""Printable leaflets (tờ rơi) as PDF, A5, in Vietnamese.

Pure rendering: content in, PDF bytes out. WeasyPrint (which needs Pango) is imported
lazily, like ``dossiers/pdf.py``, so the web server starts without it; rendering there raises
``PdfUnavailable``. Fonts and the PDF step come from
``tinhso.kernel.pdf``, shared with the dossiers room.
"""

from __future__ import annotations

from html import escape

from django.utils import timezone

from tinhso.kernel.pdf import PdfUnavailable, font_faces, html_to_pdf

__all__ = ["PdfUnavailable", "render_html", "render_pdf"]

STYLE = """
@page { size: A5; margin: 14mm 12mm; }
body { font-family: "Tinhso Serif", "Tinhso Serif Vi", "Tinhso Serif Ext", "DejaVu Serif",
       serif; font-size: 11.5pt; line-height: 1.45; color: #111; }
.band { border-bottom: 2pt solid #b71c1c; padding-bottom: 4pt; margin-bottom: 10pt;
        font-size: 9.5pt; text-transform: uppercase; letter-spacing: .03em; }
h1 { font-size: 17pt; line-height: 1.25; margin: 0 0 8pt; color: #b71c1c; }
.summary { font-weight: 700; margin-bottom: 8pt; }
ul { padding-left: 14pt; } li { margin-bottom: 3pt; }
.foot { margin-top: 14pt; font-size: 9pt; color: #444; border-top: .5pt solid #999;
        padding-top: 4pt; }
"""


def render_html(content) -> str:
    paragraphs = [p.strip() for p in content.body.split("\n\n") if p.strip()]
    body = []
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
        if all(line.startswith(("-", "•", "*")) for line in lines):
            items = "".join(f"<li>{escape(line.lstrip('-•* '))}</li>" for line in lines)
            body.append(f"<ul>{items}</ul>")
        else:
            body.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    messages = ""
    campaign = content.campaign
    if campaign is not None and campaign.key_messages:
        items = "".join(f"<li>{escape(m)}</li>" for m in campaign.key_messages)
        messages = f"<ul>{items}</ul>"
    issued = timezone.localtime(content.approved_at or timezone.now()).strftime("%d/%m/%Y")
    summary = f'<p class="summary">{escape(content.summary)}</p>' if content.summary else ""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<style>{font_faces()}{STYLE}</style></head><body>"
        f'<div class="band">{escape(content.unit.name)} · Tuyên truyền chuyển đổi số</div>'
        f"<h1>{escape(content.title)}</h1>{summary}{''.join(body)}{messages}"
        f'<div class="foot">Phát hành ngày {issued}</div></body></html>'
    )


def render_pdf(content) -> bytes:
    return html_to_pdf(render_html(content))
