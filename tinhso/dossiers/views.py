"""Pages of the dossiers room (dịch vụ công trực tuyến and the one-stop desk).

Thin like the API: selectors in, services for every move, templates out. A refusal of the
services (a kernel error) is shown as its Vietnamese message, with field-level problems beside
their fields, never as a 500; a dossier outside the user's scope is a 404.

Citizens: the catalogue (search without diacritics, filters), a procedure, filing from its
form-as-data step by step (the draft is saved between steps), papers, review and submit (a
hidden one-time token makes a double click file once, through the kernel's idempotency
records), "my dossiers" with the timeline, supplements, fee payment through the gateway,
the result, the rating; the public look-up by code.

Officers: the work queue (mine / the desk's), the dossier with the actions its state allows
(``selectors.dossier_allowed_actions``), in-person entry, bulk receipt, the register (form 07)
and its Excel export.
"""

from __future__ import annotations

import datetime as dt
import secrets
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.permissions import user_can
from tinhso.dossiers import clocks, selectors, services
from tinhso.dossiers.catalogue import form_clean
from tinhso.dossiers.forms import (
    ApologyForm,
    ApplicantForm,
    ApproveForm,
    HandOverForm,
    NoteForm,
    PayAtDeskForm,
    PaymentRequestForm,
    RatingForm,
    ReasonsForm,
    RegisterFilterForm,
    ReturnResultForm,
    SupplementRequestForm,
    field_errors,
    form_step_fields,
    form_steps,
    read_step_answers,
)
from tinhso.dossiers.models import (
    Dossier,
    DossierFile,
    OnlineMode,
    Payment,
    ResultType,
    Status,
)
from tinhso.dossiers.permissions import DossierPerm
from tinhso.dossiers.workflow import Action
from tinhso.kernel import ratelimit
from tinhso.kernel.errors import DomainError, NotFound
from tinhso.kernel.idempotency import HEADER, run_idempotent
from tinhso.kernel.models import IdempotencyRecord
from tinhso.units.models import PATH_SEGMENT_WIDTH, Agency, subtree_bounds

PROCEDURES_PER_PAGE = 20
REGISTER_PER_PAGE = 50

ACTION_LABELS = {
    Action.RECEIVE: gettext_lazy("Receive"),
    Action.REFUSE: gettext_lazy("Refuse"),
    Action.REQUEST_SUPPLEMENT: gettext_lazy("Request a supplement"),
    Action.FORWARD: gettext_lazy("Forward for processing"),
    Action.TRANSFER: gettext_lazy("Transfer the dossier"),
    Action.REQUEST_PAYMENT: gettext_lazy("Request the fee"),
    Action.PAY: gettext_lazy("Record payment at the desk"),
    Action.STOP: gettext_lazy("Stop processing"),
    Action.APOLOGISE: gettext_lazy("Apologise and set a new date"),
    Action.APPROVE: gettext_lazy("Approve and sign the result"),
    Action.RETURN_RESULT: gettext_lazy("Return the result"),
}
# The actions an official takes from the dossier page (the applicant's are elsewhere).
OFFICER_ACTIONS = tuple(ACTION_LABELS)

FORM_NAMES = {
    "01": gettext_lazy("Receipt and appointment (form 01)"),
    "02": gettext_lazy("Supplement request (form 02)"),
    "03": gettext_lazy("Refusal (form 03)"),
    "04": gettext_lazy("Apology and new date (form 04)"),
    "05": gettext_lazy("Stop notice (form 05)"),
    "06": gettext_lazy("Hand-over log (form 06)"),
    "result": gettext_lazy("Result (signed)"),
}


# --- helpers ----------------------------------------------------------------------------------


def money(amount: int | None) -> str:
    return f"{int(amount or 0):,}".replace(",", ".") + " đ"


def deadline_info(due_at: dt.datetime | None, *, now: dt.datetime | None = None) -> dict | None:
    """The promised date with the working days left, said plainly."""
    if due_at is None:
        return None
    left = clocks.working_days_left(due_at, now=now)
    if left is None:
        return None
    if left < 0:
        text = _("%(n)s working days late") % {"n": -left}
        state = "late"
    elif left == 0:
        text = _("Due today")
        state = "today"
    else:
        text = _("%(n)s working days left") % {"n": left}
        state = "soon" if left <= 1 else "ok"
    return {"due_at": due_at, "left": left, "text": text, "state": state}


def _error_status(error: DomainError) -> int:
    return error.status if 400 <= error.status < 500 else 400


def _not_found(error: NotFound) -> Http404:
    return Http404(str(error.message))


def _dossier_or_404(request, pk: int) -> Dossier:
    try:
        return selectors.get_dossier_for_user(request.user, pk)
    except NotFound as exc:
        raise _not_found(exc) from exc


def _own_dossier_or_404(request, pk: int) -> Dossier:
    dossier = _dossier_or_404(request, pk)
    if dossier.applicant_id != request.user.pk:
        raise Http404(_("No dossier has this number."))
    return dossier


class _TokenRequest(SimpleNamespace):
    """A request-like object carrying a page's one-time token as the Idempotency-Key."""


def _once(request, *, scope: str, create) -> tuple[int, Any]:
    """Run ``create`` once per one-time token posted by the page (hidden ``once`` field).

    The kernel's idempotency records keep the first answer: a double click (or a reload of
    the POST) gets the first answer and files nothing twice."""
    token = (request.POST.get("once") or "").strip()[:200]
    if not token:
        return create()
    shim = _TokenRequest(headers={HEADER: token}, user=request.user)
    return run_idempotent(shim, scope=scope, payload={"scope": scope}, create=create)


def _replayed(request, *, scope: str) -> bool:
    """Whether the page's one-time token was already used for ``scope`` (a second click)."""
    token = (request.POST.get("once") or "").strip()[:200]
    if not token or not request.user.is_authenticated:
        return False
    return IdempotencyRecord.objects.filter(
        scope=scope, owner=f"user:{request.user.pk}", key=token
    ).exists()


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _is_official(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_official", False))


# --- the catalogue (public) -------------------------------------------------------------------


@require_GET
def catalogue(request):
    """The procedures offered: search by name or code (with or without accents), filter by
    field and online mode. Answers only the results to htmx."""
    query = request.GET.get("q", "").strip()[:100]
    field_code = request.GET.get("linh_vuc", "").strip()
    mode = request.GET.get("muc_do", "").strip()
    if mode not in OnlineMode.values:
        mode = ""
    procedures = selectors.procedures_public(
        query=query, field_code=field_code or None, online_mode=mode or None
    )
    page = Paginator(procedures, PROCEDURES_PER_PAGE).get_page(request.GET.get("page"))
    params = {"q": query, "linh_vuc": field_code, "muc_do": mode}
    context = {
        "page": page,
        "procedures": page.object_list,
        "query": query,
        "field_code": field_code,
        "mode": mode,
        "fields": selectors.fields_list(),
        "modes": OnlineMode.choices,
        "query_string": "&".join(f"{k}={v}" for k, v in params.items() if v),
    }
    if request.headers.get("HX-Request"):
        return render(request, "dossiers/_procedure_results.html", context)
    return render(request, "dossiers/catalogue.html", context)


def _procedure_or_404(code: str):
    try:
        return selectors.procedure_get(code)
    except NotFound as exc:
        raise _not_found(exc) from exc


@require_GET
def procedure_detail(request, code: str):
    procedure = _procedure_or_404(code)
    version = procedure.current_version
    context = {
        "procedure": procedure,
        "version": version,
        "data": version.data,
        "fees": [{**fee, "amount_text": money(fee.get("amount"))} for fee in version.fees],
        "agencies": list(selectors.receiving_agencies(procedure)[:50]),
        "is_official": _is_official(request.user),
        "can_enter": user_can(request.user, DossierPerm.RECEIVE),
    }
    return render(request, "dossiers/procedure_detail.html", context)


# --- filing online (citizens and businesses) --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("dossiers.create")
def file_start(request, code: str):
    """Choose the agency that receives the dossier, then start the draft."""
    procedure = _procedure_or_404(code)
    agencies = list(selectors.receiving_agencies(procedure))
    error = None
    errors: dict[str, str] = {}
    chosen = request.POST.get("agency", "")
    if request.method == "POST":
        agency = next((a for a in agencies if str(a.pk) == chosen), None)
        try:
            if agency is None:
                agency = Agency.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
            if agency is None:
                errors["agency"] = _("Choose the agency that receives your dossier.")
                raise _FormProblem()
            prefill = selectors.dossier_prefill(request.user, procedure)
            dossier = services.dossier_draft_create(
                acting_user=request.user, procedure=procedure, agency=agency, form_data=prefill
            )
            return redirect("dossiers:draft_step", pk=dossier.pk, step=1)
        except _FormProblem:
            error = _("Please correct the fields marked below.")
        except DomainError as exc:
            error = str(exc.message)
            errors.update(field_errors(exc))
    context = {
        "procedure": procedure,
        "version": procedure.current_version,
        "agencies": agencies,
        "chosen": chosen,
        "error": error,
        "errors": errors,
        "is_official": _is_official(request.user),
    }
    status = 422 if error else 200
    return render(request, "dossiers/file_start.html", context, status=status)


class _FormProblem(Exception):
    pass


def _draft_or_404(request, pk: int) -> Dossier:
    dossier = _own_dossier_or_404(request, pk)
    return dossier


def _step_nav(dossier: Dossier, current: int) -> list[dict]:
    steps = form_steps(dossier.procedure_version)
    nav = [
        {
            "number": index,
            "title": step.get("title", ""),
            "url": reverse("dossiers:draft_step", args=[dossier.pk, index]),
            "current": index == current,
        }
        for index, step in enumerate(steps, start=1)
    ]
    nav.append(
        {
            "number": len(steps) + 1,
            "title": _("Papers"),
            "url": reverse("dossiers:draft_papers", args=[dossier.pk]),
            "current": current == len(steps) + 1,
        }
    )
    nav.append(
        {
            "number": len(steps) + 2,
            "title": _("Review and submit"),
            "url": reverse("dossiers:draft_review", args=[dossier.pk]),
            "current": current == len(steps) + 2,
        }
    )
    return nav


def _not_draft_redirect(request, dossier: Dossier):
    messages.info(request, _("This dossier was already submitted."))
    return redirect("dossiers:dossier_detail", pk=dossier.pk)


@login_required
@require_http_methods(["GET", "POST"])
def draft_step(request, pk: int, step: int):
    """One step of the procedure's form, rendered from its form-as-data. Every post saves the
    draft; the step's answers are checked with the services' rules and the problems shown
    beside their fields."""
    dossier = _draft_or_404(request, pk)
    if dossier.status != Status.DRAFT:
        return _not_draft_redirect(request, dossier)
    steps = form_steps(dossier.procedure_version)
    if not steps:
        return redirect("dossiers:draft_papers", pk=dossier.pk)
    if not 1 <= step <= len(steps):
        raise Http404(_("This step does not exist."))
    spec = steps[step - 1]
    prefilled = selectors.dossier_prefill(request.user, dossier.procedure)
    values = dict(dossier.form_data)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        answers = read_step_answers(spec, request.POST)
        values.update(answers)
        try:
            dossier = services.dossier_draft_update(
                acting_user=request.user, dossier=dossier, form_data=answers
            )
            form_clean({"steps": [spec]}, answers)
        except DomainError as exc:
            errors = field_errors(exc) or {"__all__": str(exc.message)}
            status = _error_status(exc)
        else:
            if "save" in request.POST:
                messages.success(request, _("Draft saved."))
                return redirect("dossiers:draft_step", pk=dossier.pk, step=step)
            if step < len(steps):
                return redirect("dossiers:draft_step", pk=dossier.pk, step=step + 1)
            return redirect("dossiers:draft_papers", pk=dossier.pk)
    fields = form_step_fields(spec, values, errors=errors, prefilled=prefilled)
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "step": spec,
        "number": step,
        "total": len(steps) + 2,
        "fields": fields,
        "error_summary": [f for f in fields if f["error"]],
        "general_error": errors.get("__all__", ""),
        "nav": _step_nav(dossier, step),
        "previous_url": (
            reverse("dossiers:draft_step", args=[dossier.pk, step - 1]) if step > 1 else ""
        ),
    }
    return render(request, "dossiers/draft_step.html", context, status=status)


def _papers_context(dossier: Dossier, *, errors: dict[str, str] | None = None) -> list[dict]:
    errors = errors or {}
    attached: dict[str, list] = {}
    for item in selectors.dossier_files(dossier, kind=DossierFile.Kind.PAPER):
        attached.setdefault(item.paper_code, []).append(item)
    papers = [
        {
            "code": paper["code"],
            "name": paper.get("name", ""),
            "required": bool(paper.get("required")),
            "copies": paper.get("copies", 1),
            "files": attached.get(paper["code"], []),
            "error": errors.get(paper["code"]) or errors.get(f"papers.{paper['code']}", ""),
        }
        for paper in dossier.procedure_version.papers
    ]
    papers.append(
        {
            "code": "other",
            "name": _("Other papers (optional)"),
            "required": False,
            "copies": 1,
            "files": attached.get("other", []),
            "error": errors.get("other", ""),
        }
    )
    return papers


def _attach_posted(request, dossier: Dossier, papers: list[dict]) -> dict[str, str]:
    """Attach every file posted as ``paper-<code>``; ``{code: message}`` for those refused."""
    errors: dict[str, str] = {}
    for paper in papers:
        for uploaded in request.FILES.getlist(f"paper-{paper['code']}"):
            try:
                services.dossier_attach(
                    acting_user=request.user,
                    dossier=dossier,
                    paper_code=paper["code"],
                    uploaded_file=uploaded,
                )
            except DomainError as exc:
                errors[paper["code"]] = str(exc.message)
    return errors


@login_required
@require_http_methods(["GET", "POST"])
def draft_papers(request, pk: int):
    """Attach the papers, one file input per paper the procedure asks for."""
    dossier = _draft_or_404(request, pk)
    if dossier.status != Status.DRAFT:
        return _not_draft_redirect(request, dossier)
    steps = form_steps(dossier.procedure_version)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        errors = _attach_posted(request, dossier, _papers_context(dossier))
        if not errors and "next" in request.POST:
            missing = selectors.dossier_missing_papers(dossier)
            if not missing:
                return redirect("dossiers:draft_review", pk=dossier.pk)
            for paper in missing:
                errors[paper["code"]] = _("Attach: %(name)s") % {"name": paper["name"]}
        if errors:
            status = 422
        else:
            messages.success(request, _("Papers attached."))
            return redirect("dossiers:draft_papers", pk=dossier.pk)
    papers = _papers_context(dossier, errors=errors)
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "papers": papers,
        "error_summary": [p for p in papers if p["error"]],
        "number": len(steps) + 1,
        "total": len(steps) + 2,
        "nav": _step_nav(dossier, len(steps) + 1),
        "previous_url": (
            reverse("dossiers:draft_step", args=[dossier.pk, len(steps)]) if steps else ""
        ),
    }
    return render(request, "dossiers/draft_papers.html", context, status=status)


def _answers_by_step(dossier: Dossier, errors: dict[str, str] | None = None) -> list[dict]:
    errors = errors or {}
    result = []
    for index, step in enumerate(form_steps(dossier.procedure_version), start=1):
        rows = []
        for spec in step.get("fields") or []:
            value = dossier.form_data.get(spec["name"], "")
            if spec.get("type") == "select":
                labels = {str(o.get("value")): o.get("label") for o in spec.get("options") or []}
                value = labels.get(str(value), value)
            elif spec.get("type") == "checkbox":
                value = _("Yes") if value is True or value == "on" else _("No")
            rows.append(
                {
                    "label": spec.get("label") or spec["name"],
                    "value": value,
                    "error": errors.get(spec["name"], ""),
                    "url": reverse("dossiers:draft_step", args=[dossier.pk, index])
                    + f"#f-{spec['name']}",
                }
            )
        result.append({"title": step.get("title", ""), "rows": rows, "number": index})
    return result


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("dossiers.submit")
def draft_review(request, pk: int):
    """Everything at a glance, how to receive the result, and the submit button (carrying a
    one-time token: a double click files once)."""
    dossier = _draft_or_404(request, pk)
    if dossier.status != Status.DRAFT and request.method == "GET":
        return _not_draft_redirect(request, dossier)
    errors: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        delivery = request.POST.get("result_delivery") or None

        def create():
            current = Dossier.objects.get(pk=dossier.pk)
            if delivery is not None:
                services.dossier_draft_update(
                    acting_user=request.user,
                    dossier=current,
                    form_data={},
                    result_delivery=delivery,
                )
            submitted = services.dossier_submit(acting_user=request.user, dossier=current)
            return 201, {"dossier": submitted.pk}

        try:
            if dossier.status != Status.DRAFT and not request.POST.get("once"):
                return _not_draft_redirect(request, dossier)
            _status, body = _once(
                request, scope=f"dossiers.page_submit.{dossier.pk}", create=create
            )
        except DomainError as exc:
            error = str(exc.message)
            errors = field_errors(exc)
            status = _error_status(exc)
            dossier.refresh_from_db()
            if dossier.status != Status.DRAFT:
                return _not_draft_redirect(request, dossier)
        else:
            messages.success(
                request,
                _("Your dossier was submitted. The desk will receive it and give you its code."),
            )
            return redirect("dossiers:dossier_detail", pk=body["dossier"])
    steps = form_steps(dossier.procedure_version)
    papers = _papers_context(dossier, errors=errors)
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "answers": _answers_by_step(dossier, errors),
        "papers": papers,
        "error": error,
        "error_items": [
            {"text": message, "field": field} for field, message in errors.items() if message
        ],
        "deliveries": ResultType.choices,
        "once": _new_token(),
        "number": len(steps) + 2,
        "total": len(steps) + 2,
        "nav": _step_nav(dossier, len(steps) + 2),
        "fee_text": money(dossier.procedure_version.fee_total),
    }
    return render(request, "dossiers/draft_review.html", context, status=status)


# --- "my dossiers" and the dossier page ----------------------------------------------------


@login_required
@require_GET
def my_dossiers(request):
    status = request.GET.get("trang_thai", "")
    if status not in Status.values:
        status = ""
    dossiers = list(selectors.my_dossiers(request.user, status=status or None)[:200])
    now = timezone.now()
    rows = [{"dossier": d, "deadline": deadline_info(d.due_at, now=now)} for d in dossiers]
    context = {"rows": rows, "status": status, "statuses": Status.choices}
    return render(request, "dossiers/my_dossiers.html", context)


EVENT_LABELS = {
    "create": gettext_lazy("Draft started"),
    "enter": gettext_lazy("Entered at the desk"),
    Action.SUBMIT: gettext_lazy("Submitted online"),
    Action.RECEIVE: gettext_lazy("Received by the desk"),
    Action.REFUSE: gettext_lazy("Refused"),
    Action.REQUEST_SUPPLEMENT: gettext_lazy("Supplement requested"),
    Action.SUPPLEMENT: gettext_lazy("Supplement completed"),
    Action.FORWARD: gettext_lazy("Forwarded for processing"),
    Action.TRANSFER: gettext_lazy("Transferred"),
    Action.APOLOGISE: gettext_lazy("Apology and new date"),
    Action.REQUEST_PAYMENT: gettext_lazy("Fee requested"),
    Action.PAY: gettext_lazy("Fee paid"),
    Action.STOP: gettext_lazy("Processing stopped"),
    Action.APPROVE: gettext_lazy("Result approved"),
    Action.RETURN_RESULT: gettext_lazy("Result returned"),
    Action.WITHDRAW: gettext_lazy("Withdrawn"),
}
# Notes the applicant sees (the others are the officers' hand-over notes).
PUBLIC_NOTES = {Action.REFUSE, Action.REQUEST_SUPPLEMENT, Action.STOP, Action.APOLOGISE}


def _timeline_rows(dossier: Dossier, *, for_applicant: bool) -> list[dict]:
    return [
        {
            "at": event.at,
            "label": EVENT_LABELS.get(event.action, event.action),
            "agency": event.agency.name if event.agency_id else "",
            "note": event.note if (not for_applicant or event.action in PUBLIC_NOTES) else "",
        }
        for event in selectors.dossier_timeline(dossier)
    ]


def _detail_context(request, dossier: Dossier, **extra) -> dict:
    user = request.user
    is_applicant = dossier.applicant_id == user.pk
    allowed = selectors.dossier_allowed_actions(user, dossier)
    files = list(selectors.dossier_files(dossier))
    papers = [f for f in files if f.kind == DossierFile.Kind.PAPER]
    documents = [
        {"item": f, "name": FORM_NAMES.get(f.kind, f.get_kind_display())}
        for f in files
        if f.kind != DossierFile.Kind.PAPER
    ]
    open_pause = dossier.pauses.filter(resumed_at__isnull=True).order_by("-paused_at").first()
    payments = list(dossier.payments.all()[:10])
    result = next((f for f in reversed(files) if f.kind == DossierFile.Kind.RESULT), None)
    officer_actions = [
        {
            "action": action,
            "label": ACTION_LABELS[action],
            "url": reverse("dossiers:dossier_action", args=[dossier.pk, action]),
        }
        for action in allowed
        if action in OFFICER_ACTIONS
    ]
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "is_applicant": is_applicant,
        "is_official": _is_official(user) and not is_applicant,
        "deadline": deadline_info(dossier.due_at),
        "timeline": _timeline_rows(dossier, for_applicant=is_applicant),
        "steps": list(selectors.dossier_steps(dossier)) if not is_applicant else [],
        "papers": papers,
        "documents": documents,
        "result": result,
        "payments": payments,
        "fee_text": money(dossier.fee_amount),
        "open_pause": open_pause,
        "can_supplement": is_applicant and Action.SUPPLEMENT in allowed,
        "can_pay": is_applicant
        and dossier.status == Status.AWAITING_PAYMENT
        and dossier.fee_amount > 0,
        "can_rate": is_applicant
        and dossier.status in (Status.RESULT_READY, Status.RETURNED)
        and dossier.rating is None,
        "can_withdraw": is_applicant and Action.WITHDRAW in allowed,
        "officer_actions": officer_actions if not is_applicant else [],
        "supplement_papers": _papers_context(dossier) if is_applicant else [],
        "rating_form": RatingForm(),
        "once": _new_token(),
        "can_handover_pdf": not is_applicant and dossier.code != "",
    }
    context.update(extra)
    return context


@login_required
@require_GET
def dossier_detail(request, pk: int):
    dossier = _dossier_or_404(request, pk)
    if dossier.status == Status.DRAFT and dossier.applicant_id == request.user.pk:
        return redirect("dossiers:draft_step", pk=dossier.pk, step=1)
    return render(request, "dossiers/dossier_detail.html", _detail_context(request, dossier))


def _detail_with_error(request, dossier: Dossier, error: DomainError, **extra):
    dossier.refresh_from_db()
    context = _detail_context(
        request, dossier, error=str(error.message), errors=field_errors(error), **extra
    )
    return render(request, "dossiers/dossier_detail.html", context, status=_error_status(error))


@login_required
@require_POST
def dossier_supplement(request, pk: int):
    """The applicant uploads what was asked and completes the supplement."""
    dossier = _own_dossier_or_404(request, pk)
    errors = _attach_posted(request, dossier, _papers_context(dossier))
    if errors:
        dossier.refresh_from_db()
        context = _detail_context(
            request,
            dossier,
            error=_("Some files were not accepted."),
            supplement_papers=_papers_context(dossier, errors=errors),
        )
        return render(request, "dossiers/dossier_detail.html", context, status=422)
    try:
        services.dossier_supplement(
            acting_user=request.user, dossier=dossier, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        dossier.refresh_from_db()
        context = _detail_context(
            request,
            dossier,
            error=str(exc.message),
            supplement_papers=_papers_context(dossier, errors=field_errors(exc)),
        )
        return render(request, "dossiers/dossier_detail.html", context, status=_error_status(exc))
    messages.success(request, _("The supplement was sent. Your dossier is being processed again."))
    return redirect("dossiers:dossier_detail", pk=dossier.pk)


@login_required
@require_POST
def dossier_withdraw(request, pk: int):
    dossier = _own_dossier_or_404(request, pk)
    try:
        services.dossier_withdraw(
            acting_user=request.user, dossier=dossier, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _detail_with_error(request, dossier, exc)
    messages.success(request, _("Your dossier was withdrawn."))
    return redirect("dossiers:dossier_detail", pk=dossier.pk)


@login_required
@require_POST
def dossier_rate(request, pk: int):
    dossier = _own_dossier_or_404(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "dossiers/dossier_detail.html",
            _detail_context(request, dossier, rating_form=form),
            status=422,
        )
    try:
        services.dossier_rate(
            acting_user=request.user,
            dossier=dossier,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        return _detail_with_error(request, dossier, exc)
    messages.success(request, _("Thank you for your rating."))
    return redirect("dossiers:dossier_detail", pk=dossier.pk)


@login_required
@require_GET
def dossier_file(request, pk: int, file_id: int):
    """Download one of the dossier's files (a paper, a form, the signed result)."""
    dossier = _dossier_or_404(request, pk)
    item = selectors.dossier_files(dossier).filter(pk=file_id).first()
    if item is None:
        raise Http404(_("No file has this number."))
    return FileResponse(
        item.file.file.open("rb"),
        content_type=item.file.content_type,
        as_attachment=True,
        filename=item.file.original_name,
    )


@login_required
@require_GET
def dossier_handover_pdf(request, pk: int):
    """The hand-over log (form 06) as it stands now."""
    dossier = _dossier_or_404(request, pk)
    if not _is_official(request.user) or not dossier.code:
        raise Http404(_("No dossier has this number."))
    try:
        content = selectors.dossier_document_pdf(dossier, "06")
    except Exception:
        content = None
    if not content:
        messages.error(request, _("The form cannot be printed on this server right now."))
        return redirect("dossiers:dossier_detail", pk=dossier.pk)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mau-06-{dossier.code}.pdf"'
    return response


# --- paying the fee --------------------------------------------------------------------------


@login_required
@require_POST
def payment_start(request, pk: int):
    """Send the applicant to the payment gateway."""
    dossier = _own_dossier_or_404(request, pk)
    try:
        _payment, url = services.dossier_payment_start(
            acting_user=request.user,
            dossier=dossier,
            return_url=request.build_absolute_uri(reverse("dossiers:payment_return")),
            client_ip=request.META.get("REMOTE_ADDR", ""),
        )
    except DomainError as exc:
        return _detail_with_error(request, dossier, exc)
    return redirect(url)


@require_GET
def payment_return(request):
    """Where the gateway sends the applicant back: the outcome, checked by its signature.

    No sign-in needed (the gateway is another site, the session cookie may not come along):
    the signed answer only tells the outcome and the dossier's code, never personal data."""
    from tinhso.dossiers.payments import get_gateway

    context: dict[str, Any] = {}
    status = 200
    try:
        result = get_gateway().verify(request.GET.dict())
    except DomainError as exc:
        context["error"] = str(exc.message)
        status = 400
    else:
        payment = (
            Payment.objects.select_related("dossier").filter(reference=result.reference).first()
        )
        if payment is None:
            raise Http404(_("No payment has this reference."))
        dossier = Dossier.objects.get(pk=payment.dossier_id)
        context.update(
            result=result,
            payment=payment,
            dossier=dossier,
            is_applicant=request.user.is_authenticated and request.user.pk == dossier.applicant_id,
            amount_text=money(result.amount),
            paid=result.success,
            recorded=payment.state == Payment.State.PAID,
        )
    return render(request, "dossiers/payment_return.html", context, status=status)


# --- the public look-up ----------------------------------------------------------------------


@require_GET
def lookup(request):
    """Anyone with a dossier code sees where it is (no personal data)."""
    code = request.GET.get("ma", "").strip()[:40]
    context: dict[str, Any] = {"code": code}
    status = 200
    if code:
        try:
            found = selectors.dossier_public_lookup(code)
        except NotFound:
            context["not_found"] = True
            status = 404
        else:
            context["found"] = found
            if found.status not in (Status.RETURNED, Status.RESULT_READY) and found.due_at:
                context["deadline"] = deadline_info(found.due_at)
    return render(request, "dossiers/lookup.html", context, status=status)


# --- officers ---------------------------------------------------------------------------------


def _require_official(request) -> None:
    if not _is_official(request.user) or not user_can(request.user, DossierPerm.VIEW):
        raise Http404(_("This page is for officials."))


@login_required
@require_GET
def work_queue(request):
    """The officer's queue (mine) or the desk's (my agency), soonest deadline first."""
    _require_official(request)
    scope = request.GET.get("pham_vi", "mine")
    if scope not in ("mine", "agency"):
        scope = "mine"
    order = request.GET.get("sap_xep", "deadline")
    if order not in ("deadline", "newest"):
        order = "deadline"
    status = request.GET.get("trang_thai", "")
    if status not in Status.values:
        status = ""
    page_number = request.GET.get("trang", "1")
    page_number = int(page_number) if page_number.isdigit() and 0 < len(page_number) < 7 else 1
    page_number = max(page_number, 1)
    size = selectors.QUEUE_PAGE_SIZE
    now = timezone.now()

    def fetch(number: int):
        return selectors.work_queue_page(
            request.user,
            scope=scope,
            order=order,
            status=status or None,
            limit=size,
            offset=(number - 1) * size,
            now=now,
        )

    queue_page = fetch(page_number)
    pages = max((queue_page.total + size - 1) // size, 1)
    if page_number > pages:  # past the end (the queue got shorter): its last page
        page_number = pages
        queue_page = fetch(page_number)

    def page_link(number: int) -> str:
        query = request.GET.copy()
        query["trang"] = str(number)
        return "?" + query.urlencode()

    rows = []
    for item in queue_page.items:
        info = None
        if item.days_left is not None and item.dossier.due_at:
            info = deadline_info(item.dossier.due_at, now=now)
        rows.append({"item": item, "dossier": item.dossier, "deadline": info})
    context = {
        "rows": rows,
        "queue_page": queue_page,
        "page_number": page_number,
        "pages": pages,
        "previous_link": page_link(page_number - 1) if page_number > 1 else None,
        "next_link": page_link(page_number + 1) if queue_page.next_offset is not None else None,
        "scope": scope,
        "order": order,
        "status": status,
        "statuses": [(s, label) for s, label in Status.choices if s in selectors.QUEUE_STATES],
        "can_receive": user_can(request.user, DossierPerm.RECEIVE),
        "can_register": user_can(request.user, DossierPerm.VIEW_REGISTER),
        "once": _new_token(),
    }
    return render(request, "dossiers/work_queue.html", context)


@login_required
@require_POST
def bulk_receive(request):
    """Receive several dossiers waiting at the desk at once; each one alone may fail."""
    _require_official(request)
    ids = [int(value) for value in request.POST.getlist("dossier") if value.isdigit()]
    received, failed = [], []
    for pk in ids:
        try:
            dossier = selectors.get_dossier_for_user(request.user, pk)
            dossier = services.dossier_receive(acting_user=request.user, dossier=dossier)
            received.append(dossier.code)
        except DomainError as exc:
            failed.append(f"#{pk}: {exc.message}")
    if received:
        messages.success(
            request,
            _("Received %(n)s dossiers: %(codes)s")
            % {"n": len(received), "codes": ", ".join(received)},
        )
    for problem in failed:
        messages.error(request, problem)
    if not ids:
        messages.warning(request, _("Tick the dossiers to receive."))
    return redirect(reverse("dossiers:work_queue") + "?pham_vi=agency")


def _handover_choices(request, dossier: Dossier):
    """Agencies of the same province (open) and their officials."""
    root_path = dossier.unit.path[:PATH_SEGMENT_WIDTH]
    low, high = subtree_bounds(root_path)
    agencies = Agency.objects.filter(
        is_active=True, unit__path__gte=low, unit__path__lt=high
    ).select_related("unit")
    agencies = list(agencies.order_by("unit__path", "name")[:300])
    officers = list(
        get_user_model()
        .objects.filter(agency__in=agencies, is_active=True)
        .exclude(Q(full_name="") & Q(username=""))
        .select_related("agency")
        .order_by("agency__name", "full_name")[:500]
    )
    return agencies, officers


def _action_form(action: str, request, dossier: Dossier, data=None, files=None):
    version = dossier.procedure_version
    if action in (Action.FORWARD, Action.TRANSFER):
        agencies, officers = _handover_choices(request, dossier)
        return HandOverForm(data, agencies=agencies, officers=officers, steps=version.steps)
    if action == Action.RECEIVE:
        return NoteForm(data)
    if action in (Action.REFUSE, Action.STOP):
        return ReasonsForm(data)
    if action == Action.REQUEST_SUPPLEMENT:
        initial = {"items": "\n".join(p["name"] for p in selectors.dossier_missing_papers(dossier))}
        return SupplementRequestForm(data, initial=initial)
    if action == Action.REQUEST_PAYMENT:
        return PaymentRequestForm(data, initial={"amount": version.fee_total})
    if action == Action.PAY:
        return PayAtDeskForm(data)
    if action == Action.APOLOGISE:
        return ApologyForm(data)
    if action == Action.APPROVE:
        return ApproveForm(data, files, initial={"result_title": version.data.get("result_name")})
    if action == Action.RETURN_RESULT:
        return ReturnResultForm(
            data,
            initial={
                "electronically": dossier.result_delivery != ResultType.PAPER
                and bool(dossier.result_file_id),
                "on_paper": dossier.result_delivery != ResultType.ELECTRONIC,
            },
        )
    raise Http404(_("This action does not exist."))


def _perform(action: str, request, dossier: Dossier, form) -> str:
    """Call the service of ``action``; the success message."""
    data = form.cleaned_data
    user = request.user
    if action == Action.RECEIVE:
        dossier = services.dossier_receive(acting_user=user, dossier=dossier, note=data["note"])
        return _("Dossier received with code %(code)s. The receipt (form 01) is ready.") % {
            "code": dossier.code
        }
    if action == Action.REFUSE:
        services.dossier_refuse(acting_user=user, dossier=dossier, reasons=data["reasons"])
        return _("The dossier was refused; the applicant was told.")
    if action == Action.STOP:
        services.dossier_stop(acting_user=user, dossier=dossier, reasons=data["reasons"])
        return _("Processing was stopped; the applicant was told.")
    if action == Action.REQUEST_SUPPLEMENT:
        services.dossier_request_supplement(
            acting_user=user, dossier=dossier, items=form.item_list(), reason=data["reason"]
        )
        return _("The supplement was requested; the applicant was told.")
    if action in (Action.FORWARD, Action.TRANSFER):
        agency = Agency.objects.filter(pk=data["to_agency"], is_active=True).first()
        if agency is None:
            raise _FieldError("to_agency", _("Choose an agency."))
        officer = None
        if data.get("to_officer"):
            officer = get_user_model().objects.filter(pk=data["to_officer"]).first()
        service = (
            services.dossier_forward if action == Action.FORWARD else services.dossier_transfer
        )
        step = service(
            acting_user=user,
            dossier=dossier,
            to_agency=agency,
            to_officer=officer,
            step_code=data.get("step_code") or "",
            note=data["note"],
        )
        return _("The dossier was handed to %(agency)s.") % {"agency": step.agency.name}
    if action == Action.REQUEST_PAYMENT:
        services.dossier_request_payment(
            acting_user=user, dossier=dossier, amount=data["amount"], note=data["note"]
        )
        return _("The fee was requested; the applicant was told.")
    if action == Action.PAY:
        services.dossier_pay_at_desk(
            acting_user=user, dossier=dossier, receipt_no=data["receipt_no"]
        )
        return _("The payment was recorded.")
    if action == Action.APOLOGISE:
        services.dossier_apologise(
            acting_user=user,
            dossier=dossier,
            new_due_date=data["new_due_date"],
            reason=data["reason"],
        )
        return _("The apology (form 04) was sent with the new date.")
    if action == Action.APPROVE:
        services.dossier_approve(
            acting_user=user,
            dossier=dossier,
            result_title=data["result_title"],
            result_body=data["result_body"],
            uploaded_file=data.get("result_file"),
            note=data["note"],
        )
        return _("The result was approved and signed.")
    if action == Action.RETURN_RESULT:
        services.dossier_return_result(
            acting_user=user,
            dossier=dossier,
            electronically=data["electronically"],
            on_paper=data["on_paper"],
            note=data["note"],
        )
        return _("The result was returned.")
    raise Http404(_("This action does not exist."))


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@login_required
@require_http_methods(["GET", "POST"])
def dossier_action(request, pk: int, action: str):
    """One action of an official on a dossier, as a form; only the actions the dossier's
    state and the user's permissions allow."""
    dossier = _dossier_or_404(request, pk)
    if action not in OFFICER_ACTIONS:
        raise Http404(_("This action does not exist."))
    allowed = selectors.dossier_allowed_actions(request.user, dossier)
    error = ""
    status = 200
    scope = f"dossiers.page_action.{dossier.pk}.{action}"
    if request.method == "POST" and _replayed(request, scope=scope):
        # A second click of the same form: the first one did it.
        return redirect("dossiers:dossier_detail", pk=dossier.pk)
    if action not in allowed:
        error = _("This action is not possible for this dossier now.")
        status = 409
        form = _action_form(action, request, dossier)
    elif request.method == "POST":
        form = _action_form(action, request, dossier, request.POST, request.FILES)
        if form.is_valid():
            try:
                _status, body = _once(
                    request,
                    scope=scope,
                    create=lambda: (200, {"message": _perform(action, request, dossier, form)}),
                )
            except _FieldError as exc:
                form.add_error(exc.field, exc.message)
                status = 422
            except DomainError as exc:
                error = str(exc.message)
                status = _error_status(exc)
                for field, message in field_errors(exc).items():
                    if field in form.fields:
                        form.add_error(field, message)
            else:
                messages.success(request, body["message"])
                return redirect("dossiers:dossier_detail", pk=dossier.pk)
        else:
            status = 422
    else:
        form = _action_form(action, request, dossier)
    context = {
        "dossier": dossier,
        "version": dossier.procedure_version,
        "action": action,
        "label": ACTION_LABELS[action],
        "form": form,
        "error": error,
        "deadline": deadline_info(dossier.due_at),
        "multipart": action == Action.APPROVE,
        "once": _new_token(),
        "missing": selectors.dossier_missing_papers(dossier)
        if action == Action.REQUEST_SUPPLEMENT
        else [],
    }
    return render(request, "dossiers/dossier_action.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def enter_in_person(request):
    """The desk enters a dossier brought in person for a citizen and receives it."""
    _require_official(request)
    if not user_can(request.user, DossierPerm.RECEIVE):
        raise Http404(_("This page is for the one-stop desk."))
    code = request.GET.get("thu_tuc", "") or request.POST.get("thu_tuc", "")
    query = request.GET.get("q", "").strip()[:100]
    if not code:
        procedures = selectors.procedures_public(query=query)[:50]
        return render(
            request,
            "dossiers/enter_choose.html",
            {"procedures": procedures, "query": query},
        )
    procedure = _procedure_or_404(code)
    version = procedure.current_version
    steps = form_steps(version)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    error = ""
    status = 200
    applicant_form = ApplicantForm(
        request.POST or None, initial={"result_delivery": version.data.get("result_type", "both")}
    )
    if request.method == "POST":
        for spec in steps:
            values.update(read_step_answers(spec, request.POST))
        if applicant_form.is_valid():
            data = applicant_form.cleaned_data
            papers = {
                paper["code"]: request.FILES.getlist(f"paper-{paper['code']}")
                for paper in version.papers
                if request.FILES.getlist(f"paper-{paper['code']}")
            }

            def create():
                dossier = services.dossier_enter_in_person(
                    acting_user=request.user,
                    procedure=procedure,
                    form_data=values,
                    applicant_name=data["applicant_name"],
                    applicant_cccd=data["applicant_cccd"],
                    applicant_phone=data["applicant_phone"],
                    applicant_email=data["applicant_email"],
                    applicant_address=data["applicant_address"],
                    papers=papers,
                    result_delivery=data["result_delivery"],
                )
                return 201, {"dossier": dossier.pk, "code": dossier.code}

            try:
                _status, body = _once(request, scope="dossiers.page_enter", create=create)
            except DomainError as exc:
                error = str(exc.message)
                errors = field_errors(exc)
                status = _error_status(exc)
                for field, message in errors.items():
                    if field in applicant_form.fields:
                        applicant_form.add_error(field, message)
            else:
                messages.success(
                    request,
                    _("Dossier received with code %(code)s. The receipt (form 01) is ready.")
                    % {"code": body["code"]},
                )
                return redirect("dossiers:dossier_detail", pk=body["dossier"])
        else:
            status = 422
            error = _("Please correct the fields marked below.")
    sections = [
        {
            "title": spec.get("title", ""),
            "fields": form_step_fields(spec, values, errors=errors),
        }
        for spec in steps
    ]
    context = {
        "procedure": procedure,
        "version": version,
        "sections": sections,
        "applicant_form": applicant_form,
        "papers": [
            {**paper, "error": errors.get(f"papers.{paper['code']}", "")}
            for paper in version.papers
        ],
        "error": error,
        "error_summary": [f for s in sections for f in s["fields"] if f["error"]],
        "once": _new_token(),
    }
    return render(request, "dossiers/enter_form.html", context, status=status)


def _register_filters(request) -> tuple[RegisterFilterForm, dict]:
    form = RegisterFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    return form, filters


@login_required
@require_GET
def register(request):
    """The dossier register (form 07), filterable, with an Excel export."""
    _require_official(request)
    if not user_can(request.user, DossierPerm.VIEW_REGISTER):
        raise Http404(_("This page is for officials who read the register."))
    form, filters = _register_filters(request)
    dossiers = selectors.register(request.user, **filters)
    page = Paginator(dossiers, REGISTER_PER_PAGE).get_page(request.GET.get("page"))
    start = (page.number - 1) * REGISTER_PER_PAGE
    rows = [
        {"number": start + index, "dossier": dossier}
        for index, dossier in enumerate(page.object_list, start=1)
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query_string": query.urlencode(),
    }
    return render(request, "dossiers/register.html", context)


@login_required
@require_GET
def register_export(request):
    _require_official(request)
    if not user_can(request.user, DossierPerm.VIEW_REGISTER):
        raise Http404(_("This page is for officials who read the register."))
    _form, filters = _register_filters(request)
    content = selectors.register_xlsx(request.user, **filters)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="so-theo-doi-ho-so-{stamp}.xlsx"'
    return response
