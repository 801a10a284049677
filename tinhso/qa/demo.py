"""Demo data for this module, loaded by ``tinhso demo`` after the province, agencies and users:
the fields (lĩnh vực), 32 published questions and answers spread over the past months, and a
few questions in each pending state. Everything goes through the services; each item is marked
``source_ref="demo:<n>"`` so a second run finds it and changes nothing.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.kernel.calendar import add_working_days, calendar_from_db, working_days_between
from tinhso.qa import services
from tinhso.qa.demo_data import FIELDS, HIDDEN, PENDING, PUBLISHED
from tinhso.qa.models import Question
from tinhso.units.models import Agency, Unit

PROVINCE_AGENCIES = {
    "tinh": "000.00.",
    "hcc": "000.02.",
    "khcn": "000.03.",
    "tu-phap": "000.04.",
    "nnmt": "000.05.",
    "tai-chinh": "000.06.",
    "vhttdl": "000.07.",
    "cong-an": "000.08.",
}


def _agencies(province: Unit) -> dict[str, Agency]:
    found = {}
    for key, prefix in PROVINCE_AGENCIES.items():
        agency = Agency.objects.filter(unit=province, code__startswith=prefix).first()
        if agency is not None:
            found[key] = agency
    commune = (
        Agency.objects.filter(kind=Agency.Kind.UBND_XA, unit__parent=province, is_active=True)
        .order_by("code")
        .first()
    )
    if commune is not None:
        found["xa"] = commune
    fallback = found.get("hcc") or found.get("tinh") or commune
    return {key: found.get(key, fallback) for key in [*PROVINCE_AGENCIES, "xa"]}


def load_demo(*, province) -> None:
    """Idempotent: a second run changes nothing."""
    for position, (code, name) in enumerate(FIELDS):
        services.topic_ensure(acting_user=None, code=code, name=name, position=position)
    agencies = _agencies(province)
    askers = list(User.objects.filter(kind=User.Kind.CITIZEN).order_by("pk")[:6])
    if not askers or not any(agencies.values()):
        return
    rng = random.Random(7)  # noqa: S311 - the same demo every time
    calendar = calendar_from_db()
    now = timezone.now()
    for number, (field, key, title, body, answer) in enumerate(PUBLISHED, start=1):
        ref = f"demo:{number}"
        if Question.objects.filter(source_ref=ref).exists():
            continue
        with transaction.atomic():
            question = services.question_create(
                acting_user=None,
                asker=askers[number % len(askers)],
                title=title,
                body=body,
                agency=agencies[key],
                field=field,
                source_ref=ref,
            )
            question = services.answer_save_draft(
                acting_user=None, question=question, answer=answer
            )
            question = services.answer_submit_for_review(acting_user=None, question=question)
            question = services.answer_publish(acting_user=None, question=question)
            # Spread the demo over the past six months, as if answered then.
            asked = now - dt.timedelta(days=rng.randrange(8, 180), hours=rng.randrange(0, 8))
            answered = asked + dt.timedelta(days=rng.randrange(1, 16), hours=2)
            deadline = add_working_days(asked, services.answer_days(), calendar=calendar)
            Question.objects.filter(pk=question.pk).update(
                created_at=asked,
                assigned_at=asked,
                deadline=deadline,
                answered_at=answered,
                published_at=answered + dt.timedelta(hours=1),
                answered_on_time=answered <= deadline,
                working_days_to_answer=working_days_between(asked, answered, calendar=calendar),
                helpful_count=rng.randrange(0, 40),
            )
    for number, (state, field, key, title, body) in enumerate(PENDING, start=101):
        ref = f"demo:{number}"
        if Question.objects.filter(source_ref=ref).exists():
            continue
        with transaction.atomic():
            _pending(
                state, field, agencies.get(key) if key else None, title, body, ref, askers, agencies
            )
    _hidden(agencies, askers)


def _pending(state, field, agency, title, body, ref, askers, agencies) -> None:
    question = services.question_create(
        acting_user=None,
        asker=askers[0],
        title=title,
        body=body,
        agency=agency,
        field=field,
        source_ref=ref,
    )
    draft = "Dự thảo: cơ quan đang tổng hợp căn cứ pháp lý để trả lời ông/bà."
    if state == "forwarded":
        target = agencies["nnmt"] if agency != agencies["nnmt"] else agencies["hcc"]
        services.question_forward(
            acting_user=None,
            question=question,
            agency=target,
            reason="Nội dung thuộc thẩm quyền giải quyết của Sở Nông nghiệp và Môi trường.",
        )
    if state in ("drafting", "in_review", "answered"):
        question = services.answer_save_draft(acting_user=None, question=question, answer=draft)
    if state in ("in_review", "answered"):
        question = services.answer_submit_for_review(acting_user=None, question=question)
    if state == "answered":
        services.answer_approve(acting_user=None, question=question)
    if state == "rejected":
        services.question_reject(
            acting_user=None, question=question, reason="Nội dung quảng cáo, không phải câu hỏi."
        )


def _hidden(agencies, askers) -> None:
    ref = "demo:201"
    if Question.objects.filter(source_ref=ref).exists() or len(askers) < 4:
        return
    field, key, title, body, answer = HIDDEN
    with transaction.atomic():
        question = services.question_create(
            acting_user=None, asker=askers[0], title=title, body=body,
            agency=agencies[key], field=field, source_ref=ref,
        )  # fmt: skip
        question = services.answer_save_draft(acting_user=None, question=question, answer=answer)
        question = services.answer_submit_for_review(acting_user=None, question=question)
        question = services.answer_publish(acting_user=None, question=question)
        for person, reason in zip(askers[1:4], ["spam", "off_topic", "spam"], strict=True):
            services.question_flag(acting_user=person, question=question, reason=reason)
