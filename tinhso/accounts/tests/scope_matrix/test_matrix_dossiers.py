"""Scope matrix of the dossiers room: every person × every dossier, through the API and the
pages.

Who sees a dossier (the oracle, from the tree built here): its applicant; an official holding
``dossiers.view`` whose open agency's unit contains the dossier's unit, or whose agency it was
handed to at some step (a processing agency elsewhere); a superuser. Drafts: their applicant
only. Acting needs the action's permission on the dossier's unit, or being the current or the
receiving agency; in view scope without it is 403, outside view scope 404.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from tinhso.accounts.tests.scope_matrix.oracle import COMMUNES, Matrix, World, build_world, ids_in
from tinhso.dossiers import services
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.models import Status as S
from tinhso.dossiers.tests.factories import DossierFactory, ProcedureFactory
from tinhso.dossiers.workflow import DOSSIER_FLOW, Action

pytestmark = pytest.mark.django_db

VIEW, RECEIVE, PROCESS, APPROVE, REGISTER = (
    "dossiers.view",
    "dossiers.receive",
    "dossiers.process",
    "dossiers.approve",
    "dossiers.view_register",
)
# The permission each official action needs (request_supplement: RECEIVE before receipt).
ACTION_PERMISSION = {
    Action.RECEIVE: RECEIVE,
    Action.REFUSE: RECEIVE,
    Action.FORWARD: RECEIVE,
    Action.PAY: RECEIVE,
    Action.RETURN_RESULT: RECEIVE,
    Action.TRANSFER: PROCESS,
    Action.APOLOGISE: PROCESS,
    Action.REQUEST_PAYMENT: PROCESS,
    Action.STOP: PROCESS,
    Action.APPROVE: APPROVE,
}
APPLICANT_ACTIONS = {Action.SUBMIT, Action.SUPPLEMENT, Action.WITHDRAW}

STATES = [
    "draft",
    "submitted",
    "supplement_requested",
    "received",
    "processing",
    "paused",
    "awaiting_payment",
    "result_ready",
    "returned",
    "refused",
    "withdrawn",
]


@dataclass
class Rec:
    key: str
    dossier: Dossier
    unit: str
    applicant: str
    receiving: str  # agency keys
    current: str
    handed: set[str] = field(default_factory=set)


def _setup(w: World, c: str):
    from types import SimpleNamespace

    staffed = f"{c}_desk" in w.people
    return SimpleNamespace(
        commune=w.units[c],
        committee=w.agencies[c],
        desk=w.agencies[f"{c}_desk"],
        desk_officer=w.user(f"{c}_desk") if staffed else None,
        handler=w.user(f"{c}_handler") if staffed else None,
        leader=w.user(f"{c}_leader") if staffed else None,
    )


def build_dossiers(w: World) -> list[Rec]:
    procedure = ProcedureFactory()
    recs: list[Rec] = []
    citizens = ["cit1", "cit2", "cit3"]
    n = 0
    # Every state on every commune (both provinces), so each official meets it in and out of
    # scope.
    for state in STATES:
        for c in COMMUNES:
            setup = _setup(w, c)
            applicant = citizens[n % 3]
            n += 1
            trait = {
                "draft": {},
                "submitted": {"submitted": True},
                "supplement_requested": {"submitted": True},
                "refused": {"submitted": True},
                "withdrawn": {"submitted": True},
                "received": {"received": True},
                "processing": {"processing": True},
                "paused": {"processing": True},
                "awaiting_payment": {"processing": True},
                "result_ready": {"result_ready": True},
                "returned": {"returned": True},
            }[state]
            d = DossierFactory(
                setup=setup, procedure=procedure, applicant=w.user(applicant), **trait
            )
            actor = setup.handler
            if state == "supplement_requested":
                services.dossier_request_supplement(
                    acting_user=setup.desk_officer, dossier=d, items=["Bản sao"], reason="Thiếu"
                )
            elif state == "paused":
                services.dossier_request_supplement(
                    acting_user=actor, dossier=d, items=["Bản sao"], reason="Thiếu"
                )
            elif state == "awaiting_payment":
                services.dossier_request_payment(acting_user=actor, dossier=d, amount=15000)
            elif state == "refused":
                services.dossier_refuse(acting_user=setup.desk_officer, dossier=d, reasons="Sai")
            elif state == "withdrawn":
                services.dossier_withdraw(acting_user=w.user(applicant), dossier=d, reason="Rút")
            d.refresh_from_db()
            assert d.status == state, (c, state, d.status)
            recs.append(
                Rec(
                    key=f"{c}/{state}",
                    dossier=d,
                    unit=c,
                    applicant=applicant,
                    receiving=f"{c}_desk",
                    current=w.agency_key(d.current_agency_id) if d.current_agency_id else "",
                )
            )
    # Hand-overs across units: a processing agency elsewhere sees what it was handed.
    extra = [
        ("c11", "c21", False),  # to another province's commune, and left there
        ("c22", "c21", True),  # to a neighbour, then handed back: still in its log
        ("c13", "p1_so", True),  # to the department, and back
        ("c12", "c12_closed", False),  # to an agency that is closed afterwards
    ]
    for c, to, back in extra:
        setup = _setup(w, c)
        applicant = citizens[n % 3]
        n += 1
        d = DossierFactory(
            setup=setup, procedure=procedure, applicant=w.user(applicant), processing=True
        )
        services.dossier_transfer(
            acting_user=setup.handler, dossier=d, to_agency=w.agencies[to], note="Phối hợp"
        )
        if back:
            services.dossier_transfer(acting_user=None, dossier=d, to_agency=w.agencies[c])
        d.refresh_from_db()
        recs.append(
            Rec(
                key=f"{c}/handed-{to}{'-back' if back else ''}",
                dossier=d,
                unit=c,
                applicant=applicant,
                receiving=f"{c}_desk",
                current=w.agency_key(d.current_agency_id),
                handed={to},
            )
        )
    return recs


# --- the oracle -------------------------------------------------------------------------------


def visible(w: World, person: str, r: Rec) -> bool:
    p = w.people[person]
    if r.dossier.status == S.DRAFT:
        return person == r.applicant
    if p.superuser or person == r.applicant:
        return True
    if w.top(person) is None or not w.can(person, VIEW):
        return False
    return w.within(r.unit, w.top(person)) or p.agency in r.handed | {r.current}


def may_act(w: World, person: str, r: Rec, permission: str) -> bool:
    p = w.people[person]
    if p.superuser:
        return True
    if w.top(person) is None or not w.can(person, permission):
        return False
    return w.within(r.unit, w.top(person)) or p.agency in {r.current, r.receiving}


def action_permission(action: str, r: Rec) -> str | None:
    if action == Action.REQUEST_SUPPLEMENT:
        return PROCESS if r.dossier.received_at else RECEIVE
    return ACTION_PERMISSION.get(action)


def body(action: str, r: Rec) -> tuple[str, dict]:
    committee = r.unit if r.unit in COMMUNES else r.current
    return {
        Action.SUBMIT: ("submit", {}),
        Action.WITHDRAW: ("withdraw", {"note": "Rút hồ sơ"}),
        Action.SUPPLEMENT: ("supplement", {"note": "Đã bổ sung"}),
        Action.RECEIVE: ("receive", {"note": ""}),
        Action.REFUSE: ("refuse", {"reasons": "Không đủ điều kiện"}),
        Action.REQUEST_SUPPLEMENT: (
            "request-supplement",
            {"items": ["Bản sao giấy tờ"], "reason": "Thiếu"},
        ),
        Action.FORWARD: ("forward", {"to_agency_id": f"@{committee}"}),
        Action.TRANSFER: ("transfer", {"to_agency_id": f"@{committee}"}),
        Action.APOLOGISE: (
            "apologise",
            {
                "new_due_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
                "reason": "Cần xác minh thêm",
            },
        ),
        Action.REQUEST_PAYMENT: ("request-payment", {"amount": 15000}),
        Action.PAY: ("pay-at-desk", {"receipt_no": "BL-01"}),
        Action.STOP: ("stop", {"reasons": "Người nộp đề nghị dừng"}),
        Action.APPROVE: ("approve", {"result_title": "Giấy khai sinh"}),
        Action.RETURN_RESULT: ("return-result", {}),
    }[action]


def test_dossiers_scope_matrix():
    w = build_world(close=False)
    recs = build_dossiers(w)
    w.close("c12_closed")
    m = Matrix(w, "dossiers")
    people = list(w.people)

    for i, person in enumerate(people):
        client = m.client(person)
        mine_expected = {r.dossier.pk for r in recs if r.applicant == person}
        seen = {r.dossier.pk for r in recs if visible(w, person, r)}
        # Lists: the register (received dossiers in scope), the desk/agency queue, "mine".
        response = client.get("/api/v1/dossiers/register?limit=1000")
        if w.can(person, REGISTER):
            expected = {r.dossier.pk for r in recs if r.dossier.code and r.dossier.pk in seen}
            if m.expect("api list register", response, 200, person, "*"):
                got = ids_in(response) & {r.dossier.pk for r in recs}
                _compare(m, "api list register", person, got, expected, recs)
        else:
            m.expect("api list register", response, 403, person, "*")
        response = client.get("/api/v1/dossiers/mine?limit=1000")
        if m.expect("api list mine", response, 200, person, "*"):
            got = ids_in(response) & {r.dossier.pk for r in recs}
            _compare(m, "api list mine", person, got, mine_expected, recs)
        response = client.get("/api/v1/dossiers/queue?scope=agency")
        if w.can(person, VIEW):
            queue_states = {S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.AWAITING_PAYMENT}
            queue_states |= {S.FEE_PAID, S.RESULT_READY}
            agency_pk = w.user(person).agency_id
            expected = {
                r.dossier.pk
                for r in recs
                if r.dossier.pk in seen
                and r.dossier.status in queue_states
                and r.dossier.current_agency_id == agency_pk
            }
            if m.expect("api list queue", response, 200, person, "*"):
                got = {item["dossier"]["id"] for item in json.loads(response.content)}
                _compare(m, "api list queue", person, got, expected, recs)
        page = client.get("/dich-vu-cong/ho-so-cua-toi/")
        if m.expect("page list mine", page, 200, person, "*"):
            html = page.content.decode()
            for r in recs:
                shown = f"/dich-vu-cong/ho-so/{r.dossier.pk}/" in html
                if shown != (r.applicant == person):
                    m.fail(f"page list mine: {person} on {r.key}: shown={shown}")

        for j, r in enumerate(recs):
            d = r.dossier
            ok = visible(w, person, r)
            m.pair(person, r.key)
            response = client.get(f"/api/v1/dossiers/{d.pk}")
            m.expect("api read", response, 200 if ok else 404, person, r.key)
            if not m.deep(i, j, ok):
                continue
            response = client.get(f"/dich-vu-cong/ho-so/{d.pk}/")
            m.expect("page read", response, ({200, 302} if ok else 404), person, r.key)
            # Update (a draft's answers).
            send = _sender(client, "patch", f"/api/v1/dossiers/{d.pk}", {"form_data": {}})
            if ok:
                m.tried("api update", send, person, r.key, {400, 403, 409, 422})
            else:
                m.untouched("api update", Dossier, d.pk, send, person, r.key)
            # Every transition the table allows from the dossier's state, through the API,
            # and one the table refuses (409 in scope, still 404 outside).
            refused = Action.RETURN_RESULT if d.status != S.RESULT_READY else Action.RECEIVE
            moves = [*DOSSIER_FLOW.allowed(d.status), refused]
            for action in moves:
                path, payload = body(action, r)
                payload = {
                    k: (w.agencies[v[1:]].pk if isinstance(v, str) and v.startswith("@") else v)
                    for k, v in payload.items()
                }
                send = _sender(client, "post", f"/api/v1/dossiers/{d.pk}/{path}", payload)
                label = f"api {action}"
                if not ok:
                    m.untouched(label, Dossier, d.pk, send, person, r.key)
                    continue
                response = m.tried(label, send, person, r.key, {400, 403, 409, 422})
                _check_in_scope(m, w, person, r, action, response, label)
            # The officer's action page, and the applicant's withdraw page.
            page_action = next((a for a in moves if a not in APPLICANT_ACTIONS), Action.STOP)
            url = f"/dich-vu-cong/ho-so/{d.pk}/xu-ly/{page_action}/"
            send = _sender(
                client, "post", url, {"reasons": "Dừng", "result_title": "KQ"}, form=True
            )
            if ok:
                m.tried(f"page {page_action}", send, person, r.key, {403, 409, 422})
            else:
                m.untouched(f"page {page_action}", Dossier, d.pk, send, person, r.key)
            if d.status in (S.DRAFT, S.SUBMITTED):
                url = f"/dich-vu-cong/ho-so/{d.pk}/rut/"
                send = _sender(client, "post", url, {"reason": "Rút"}, form=True)
                if person == r.applicant:
                    m.tried("page withdraw", send, person, r.key, {400, 409})
                else:
                    m.untouched("page withdraw", Dossier, d.pk, send, person, r.key)
    m.assert_clean(minimum_pairs=len(people) * len(recs))


def _check_in_scope(m: Matrix, w: World, person: str, r: Rec, action: str, response, label):
    """In scope: 403 only without the action's permission (or not the applicant), 409 only
    when the state machine says no."""
    status = response.status_code
    allowed = DOSSIER_FLOW.can(r.dossier.status, action)
    if action in APPLICANT_ACTIONS:
        entitled = person == r.applicant  # the applicant's moves are theirs alone
    else:
        entitled = may_act(w, person, r, action_permission(action, r))
    if status == 403 and entitled:
        m.fail(f"{label}: {person} on {r.key}: refused (403) though entitled")
    if status in (200, 201) and not (entitled and allowed):
        m.fail(f"{label}: {person} on {r.key}: succeeded though entitled={entitled}")
    if status == 409 and allowed and entitled:
        code = json.loads(response.content).get("code")
        if code == "transition_not_allowed":
            m.fail(f"{label}: {person} on {r.key}: transition refused though allowed")


def _compare(m: Matrix, label: str, person: str, got: set, expected: set, recs: list[Rec]):
    names = {r.dossier.pk: r.key for r in recs}
    for pk in got - expected:
        m.fail(f"{label}: {person} sees {names.get(pk, pk)} (leak)")
    for pk in expected - got:
        m.fail(f"{label}: {person} misses {names.get(pk, pk)}")


def _sender(client, method: str, url: str, payload: dict, form: bool = False):
    def send():
        if form:
            return getattr(client, method)(url, payload)
        return getattr(client, method)(url, json.dumps(payload), content_type="application/json")

    return send
