"""Bringing a dossier into any state, and performing any action, through the services (for the
workflow tests)."""

import datetime as dt

from django.utils import timezone

from tinhso.dossiers import services
from tinhso.dossiers.models import Status
from tinhso.dossiers.tests.factories import DossierFactory, backdate
from tinhso.dossiers.workflow import Action


def dossier_in(state: str, setup):
    """A dossier in ``state``, reached the way users reach it."""
    simple = {
        Status.DRAFT: {},
        Status.SUBMITTED: {"submitted": True},
        Status.RECEIVED: {"received": True},
        Status.PROCESSING: {"processing": True},
        Status.RESULT_READY: {"result_ready": True},
        Status.RETURNED: {"returned": True},
    }
    if state in simple:
        return DossierFactory(setup=setup, **simple[state])
    if state == Status.SUPPLEMENT_REQUESTED:
        dossier = DossierFactory(setup=setup, submitted=True)
        return services.dossier_request_supplement(
            acting_user=setup.desk_officer, dossier=dossier, items=["Bản sao giấy chứng sinh"]
        )
    if state == Status.REFUSED:
        dossier = DossierFactory(setup=setup, submitted=True)
        return services.dossier_refuse(
            acting_user=setup.desk_officer, dossier=dossier, reasons="Không thuộc thẩm quyền"
        )
    if state == Status.WITHDRAWN:
        dossier = DossierFactory(setup=setup, submitted=True)
        return services.dossier_withdraw(acting_user=dossier.applicant, dossier=dossier)
    processing = DossierFactory(setup=setup, processing=True)
    if state == Status.PAUSED:
        return services.dossier_request_supplement(
            acting_user=setup.handler, dossier=processing, items=["Bản chính tờ khai"]
        )
    if state == Status.STOPPED:
        return services.dossier_stop(
            acting_user=setup.handler, dossier=processing, reasons="Người yêu cầu đề nghị dừng"
        )
    awaiting = services.dossier_request_payment(acting_user=setup.handler, dossier=processing)
    if state == Status.AWAITING_PAYMENT:
        return awaiting
    if state == Status.FEE_PAID:
        services.dossier_pay_at_desk(acting_user=setup.desk_officer, dossier=awaiting)
        awaiting.refresh_from_db()
        return awaiting
    raise AssertionError(f"no recipe for {state}")


def perform(action: str, dossier, setup):
    """Take ``action`` on ``dossier`` as the person who would, with valid input."""
    applicant = dossier.applicant
    if action == Action.SUBMIT:
        return services.dossier_submit(acting_user=applicant, dossier=dossier)
    if action == Action.WITHDRAW:
        return services.dossier_withdraw(acting_user=applicant, dossier=dossier, reason="Thôi")
    if action == Action.RECEIVE:
        return services.dossier_receive(acting_user=setup.desk_officer, dossier=dossier)
    if action == Action.REFUSE:
        return services.dossier_refuse(
            acting_user=setup.desk_officer, dossier=dossier, reasons="Hồ sơ không hợp lệ"
        )
    if action == Action.REQUEST_SUPPLEMENT:
        officer = setup.handler if dossier.received_at else setup.desk_officer
        return services.dossier_request_supplement(
            acting_user=officer, dossier=dossier, items=["Bản sao có chứng thực"]
        )
    if action == Action.SUPPLEMENT:
        return services.dossier_supplement(acting_user=applicant, dossier=dossier)
    if action == Action.FORWARD:
        return services.dossier_forward(
            acting_user=setup.desk_officer, dossier=dossier, to_agency=setup.committee
        )
    if action == Action.TRANSFER:
        return services.dossier_transfer(
            acting_user=setup.handler,
            dossier=dossier,
            to_agency=setup.committee,
            to_officer=setup.leader,
            note="Trình ký",
        )
    if action == Action.APOLOGISE:
        if dossier.received_at:
            backdate(dossier, timezone.now() - dt.timedelta(days=30))
        return services.dossier_apologise(
            acting_user=setup.handler,
            dossier=dossier,
            new_due_date=next_working_day(),
            reason="Cần xác minh thêm",
        )
    if action == Action.REQUEST_PAYMENT:
        return services.dossier_request_payment(acting_user=setup.handler, dossier=dossier)
    if action == Action.PAY:
        return services.dossier_pay_at_desk(
            acting_user=setup.desk_officer, dossier=dossier, receipt_no="BL-0001"
        )
    if action == Action.STOP:
        return services.dossier_stop(
            acting_user=setup.handler, dossier=dossier, reasons="Thuộc trường hợp dừng"
        )
    if action == Action.APPROVE:
        return services.dossier_approve(
            acting_user=setup.leader, dossier=dossier, result_title="Giấy khai sinh"
        )
    if action == Action.RETURN_RESULT:
        return services.dossier_return_result(acting_user=setup.desk_officer, dossier=dossier)
    raise AssertionError(f"no way to perform {action}")


def next_working_day():
    from tinhso.kernel.calendar import calendar_from_db

    calendar = calendar_from_db()
    return calendar.next_working_day(timezone.localdate() + dt.timedelta(days=1))
