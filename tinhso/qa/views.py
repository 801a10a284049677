"""Pages of the qa room: the public Q&A with its search (no diacritics needed), a question
with its official answer, the ask form (phone first, with similar answers suggested as one
types, by htmx), "my questions", and the officers' queue and answer page.

Thin like the API: selectors in, services for every write, templates out. Every form also
works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tinhso.accounts.permissions import user_can
from tinhso.kernel import ratelimit
from tinhso.kernel.errors import DomainError
from tinhso.qa import search, selectors, services
from tinhso.qa.forms import AskForm, FlagForm
from tinhso.qa.models import Question
from tinhso.qa.permissions import QaPerm
from tinhso.qa.workflow import QUESTION_FLOW, Moderation, Status
from tinhso.units.models import Agency

PER_PAGE = 20


def _public_or_404(request, pk: int) -> Question:
    try:
        return selectors.get_public_question(pk, user=request.user)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc


@require_GET
def question_list(request):
    query = request.GET.get("q", "").strip()[:200]
    field = request.GET.get("field", "")
    questions = selectors.question_search(query, topic=field or None)
    page = Paginator(questions, PER_PAGE).get_page(request.GET.get("page"))
    more_than = None
    if getattr(questions, "capped", False):  # a broad query: counted up to COUNT_CAP only
        more_than = number_format(search.COUNT_CAP, force_grouping=True)
    return render(
        request,
        "qa/list.html",
        {
            "query": query,
            "more_than": more_than,
            "field": field,
            "fields": selectors.topics(),
            "page": page,
            "questions": page.object_list,
        },
    )


@require_GET
def question_detail(request, pk: int):
    question = _public_or_404(request, pk)
    is_asker = request.user.is_authenticated and question.asker_id == request.user.pk
    context = {
        "question": question,
        "is_asker": is_asker,
        "flag_form": FlagForm(),
        "answer_files": [a.file for a in question.attachments.filter(kind="answer")],
        "question_files": (
            [a.file for a in question.attachments.filter(kind="question")] if is_asker else []
        ),
        "steps": list(
            question.steps.filter(action__in=["forward", "reject"]).select_related("agency")
        )
        if is_asker
        else [],
        "can_withdraw": is_asker and QUESTION_FLOW.can(question.status, "withdraw"),
    }
    return render(request, "qa/detail.html", context)


@require_GET
def suggest(request):
    """Similar published answers for the ask form: an htmx fragment."""
    text = " ".join(request.GET.get(name, "") for name in ("title", "q")).strip()[:500]
    return render(
        request, "qa/_suggestions.html", {"suggestions": selectors.question_suggestions(text)}
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.limit_posts("qa.ask")
def ask(request):
    if request.user.is_official:
        return render(request, "qa/ask_officials.html", status=403)
    form = AskForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = services.question_create(
                acting_user=request.user,
                asker=request.user,
                title=data["title"],
                body=data["body"],
                agency=data["agency"],
                field=data["field"],
                attachments=data["attachments"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("Your question has been sent. We will tell you when it is answered.")
            )
            return redirect("qa:detail", pk=question.pk)
    suggestions = []
    if form.data.get("title"):
        suggestions = selectors.question_suggestions(form.data["title"])
    return render(request, "qa/ask.html", {"form": form, "suggestions": suggestions})


@login_required
@require_GET
def mine(request):
    page = Paginator(selectors.my_questions(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "qa/mine.html", {"page": page, "questions": page.object_list})


def _post_action(request, pk: int, run, success: str):
    question = _public_or_404(request, pk)
    try:
        run(question)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, success)
    target = reverse("qa:detail", args=[pk])
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@login_required
@require_POST
def flag(request, pk: int):
    form = FlagForm(request.POST)
    reason = form.data.get("reason", "") if not form.is_valid() else form.cleaned_data["reason"]
    return _post_action(
        request,
        pk,
        lambda q: services.question_flag(acting_user=request.user, question=q, reason=reason),
        _("Thank you. A moderator will look at this content."),
    )


@login_required
@require_POST
def vote(request, pk: int):
    return _post_action(
        request,
        pk,
        lambda q: services.question_vote_helpful(acting_user=request.user, question=q),
        _("Thank you for your vote."),
    )


@login_required
@require_POST
def withdraw(request, pk: int):
    return _post_action(
        request,
        pk,
        lambda q: services.question_withdraw(acting_user=request.user, question=q),
        _("Your question has been withdrawn."),
    )


# --- officers -------------------------------------------------------------------------------


def _require_officer(request) -> None:
    if not user_can(request.user, QaPerm.VIEW):
        raise Http404()


@login_required
@require_GET
def queue(request):
    _require_officer(request)
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:200]
    hidden = request.GET.get("moderation") == Moderation.HIDDEN
    questions = selectors.questions_for_officer(
        request.user,
        status=status if status in Status.values else None,
        open_only=not status and not hidden,
        moderation=Moderation.HIDDEN if hidden else None,
        text=query,
    )
    page = Paginator(questions, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "qa/queue.html",
        {
            "page": page,
            "questions": page.object_list,
            "status": status,
            "statuses": Status.choices,
            "query": query,
            "hidden": hidden,
        },
    )


_OFFICER_ACTIONS = {
    "route": (QaPerm.ROUTE, _("The question was sent to the agency.")),
    "forward": (QaPerm.ANSWER, _("The question was forwarded.")),
    "draft": (QaPerm.ANSWER, _("The draft was saved.")),
    "submit": (QaPerm.ANSWER, _("The answer was sent for review.")),
    "return": (QaPerm.REVIEW, _("The draft was returned to the drafter.")),
    "approve": (QaPerm.REVIEW, _("The answer was sent to the asker.")),
    "publish": (QaPerm.REVIEW, _("The answer is published.")),
    "reject": (QaPerm.REVIEW, _("The question was rejected.")),
    "close": (QaPerm.REVIEW, _("The question was closed.")),
    "hide": (QaPerm.MODERATE, _("The question is hidden.")),
    "restore": (QaPerm.MODERATE, _("The question is visible again.")),
    "remove": (QaPerm.MODERATE, _("The question was removed.")),
}


def _run_officer_action(request, question: Question, action: str) -> None:
    user, data = request.user, request.POST
    agency = None
    if data.get("agency"):
        agency = Agency.objects.filter(pk=data["agency"], is_active=True).first()
    if action == "route":
        services.question_route(acting_user=user, question=question, agency=agency or 0)
    elif action == "forward":
        services.question_forward(
            acting_user=user, question=question, agency=agency or 0, reason=data.get("reason", "")
        )
    elif action == "draft":
        services.answer_save_draft(
            acting_user=user,
            question=question,
            answer=data.get("answer", ""),
            attachments=request.FILES.getlist("attachments"),
        )
    elif action == "submit":
        if question.status != Status.DRAFTING:
            services.answer_save_draft(
                acting_user=user, question=question, answer=data.get("answer", "")
            )
        services.answer_submit_for_review(
            acting_user=user, question=question, answer=data.get("answer") or None
        )
    elif action == "return":
        services.answer_return(acting_user=user, question=question, note=data.get("reason", ""))
    elif action == "approve":
        services.answer_approve(acting_user=user, question=question)
    elif action == "publish":
        services.answer_publish(acting_user=user, question=question)
    elif action == "reject":
        services.question_reject(acting_user=user, question=question, reason=data.get("reason", ""))
    elif action == "close":
        services.question_close(acting_user=user, question=question)
    elif action in ("hide", "restore", "remove"):
        services.question_moderate(
            acting_user=user, question=question, action=action, note=data.get("reason", "")
        )


@login_required
@require_http_methods(["GET", "POST"])
def handle(request, pk: int):
    _require_officer(request)
    try:
        question = selectors.get_question_for_officer(request.user, pk)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in _OFFICER_ACTIONS:
            try:
                _run_officer_action(request, question, action)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _OFFICER_ACTIONS[action][1])
        return redirect("qa:handle", pk=pk)
    allowed = set(QUESTION_FLOW.allowed(question.status))
    can = {
        code: user_can(request.user, perm)
        for code, perm in QaPerm.__dict__.items()
        if code.isupper()
    }
    context = {
        "question": question,
        "steps": list(question.steps.select_related("actor", "agency")),
        "files": list(question.attachments.select_related("file")),
        "can_route": can["ROUTE"] and "route" in allowed,
        "can_forward": (can["ANSWER"] or can["ROUTE"]) and "forward" in allowed,
        "can_draft": can["ANSWER"] and bool(allowed & {"start_draft", "save_draft"}),
        "can_submit": can["ANSWER"] and bool(allowed & {"start_draft", "submit_for_review"}),
        "can_review": can["REVIEW"] and question.status == Status.IN_REVIEW,
        "can_publish": can["REVIEW"] and "publish" in allowed,
        "can_approve": can["REVIEW"] and "approve" in allowed,
        "can_reject": (can["REVIEW"] or can["ROUTE"]) and "reject" in allowed,
        "can_close": can["REVIEW"] and "close" in allowed,
        "can_moderate": can["MODERATE"],
        "agencies": Agency.objects.filter(is_active=True)
        .exclude(pk=question.agency_id or 0)
        .order_by("unit__path", "name"),
    }
    return render(request, "qa/handle.html", context)
