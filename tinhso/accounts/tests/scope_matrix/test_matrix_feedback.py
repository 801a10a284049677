"""Scope matrix of the field reports (phản ánh hiện trường): every person × every report,
through the API and the pages.

Who sees a report (the oracle): its reporter; an official holding ``feedback.view`` whose open
agency's unit contains the responsible agency's unit, or, while no agency holds it, the
report's commune; a superuser. Acting needs ``feedback.handle`` on the same unit (403 in view
scope without the permission, 404 outside). The public sees only published reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tinhso.accounts.tests.scope_matrix.oracle import COMMUNES, Matrix, World, build_world, ids_in
from tinhso.feedback import services, workflow
from tinhso.feedback.models import Report
from tinhso.feedback.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

VIEW, HANDLE = "feedback.view", "feedback.handle"

# The state each report is brought to, and the actions (as the system) that bring it there.
STATES = {
    "reported": [],
    "accepted": ["accept"],
    "in_progress": ["accept", "start"],
    "on_hold": ["accept", "hold"],
    "waiting_for_reporter": ["accept", "ask_reporter"],
    "handled": ["accept", "start", "resolve"],
    "closed": ["accept", "start", "resolve", "close"],
    "rejected_spam": ["reject_spam"],
    "reopened": ["accept", "start", "resolve", "reopen"],
}
PUBLISHED = {"handled", "closed"}


@dataclass
class Rec:
    key: str
    report: Report
    commune: str
    agency: str | None  # the responsible agency's key, None while unassigned
    reporter: str | None


def build_reports(w: World) -> list[Rec]:
    category = CategoryFactory()
    recs: list[Rec] = []
    citizens = ["cit1", "cit2", "cit3", None]  # None: a hotline report without an account
    n = 0
    for s, (state, steps) in enumerate(STATES.items()):
        for k in range(4):
            c = COMMUNES[(s + k) % len(COMMUNES)]
            reporter = citizens[n % 4]
            n += 1
            report = services.report_create(
                acting_user=None,
                category=category,
                description=f"Ổ gà trước nhà văn hoá {c} số {n}",
                commune_code=w.units[c].code,
                reporter=w.user(reporter) if reporter else None,
                contact_name="" if reporter else "Người gọi đường dây nóng",
                contact_phone="" if reporter else "0912000999",
            )
            for step in steps:
                services.report_act(
                    acting_user=None,
                    report=report,
                    action=step,
                    message="Đã xử lý xong." if step == "resolve" else "Ghi chú",
                    **({"is_public": True} if step == "resolve" else {}),
                )
            report.refresh_from_db()
            assert report.status == state
            recs.append(Rec(f"{c}/{state}", report, c, w.agency_key(report.agency_id), reporter))
    # Moved to the province's department: the commune no longer sees it.
    for c in ("c11", "c21"):
        report = services.report_create(
            acting_user=None,
            category=category,
            description=f"Cột điện nghiêng ở {c}",
            commune_code=w.units[c].code,
            reporter=w.user("cit1"),
        )
        services.report_reassign(
            acting_user=None,
            report=report,
            agency=w.agencies["p1_so"],
            reason="Thuộc thẩm quyền sở",
        )
        recs.append(Rec(f"{c}/to-p1_so", report, c, "p1_so", "cit1"))
    # No agency holds it yet: the commune's officials see it.
    for c in ("c12", "c22"):
        report = services.report_create(
            acting_user=None,
            category=category,
            description=f"Rác thải ở {c}",
            commune_code=w.units[c].code,
            reporter=w.user("cit2"),
        )
        Report.objects.filter(pk=report.pk).update(agency=None)
        report.refresh_from_db()
        recs.append(Rec(f"{c}/unassigned", report, c, None, "cit2"))
    return recs


def visible(w: World, person: str, r: Rec) -> bool:
    if w.people[person].superuser or person == r.reporter:
        return True
    unit = w.agency_unit[r.agency] if r.agency else r.commune
    return w.sees(person, unit, VIEW)


def may_handle(w: World, person: str, r: Rec) -> bool:
    unit = w.agency_unit[r.agency] if r.agency else r.commune
    return w.sees(person, unit, HANDLE)


def test_feedback_scope_matrix():
    w = build_world()
    recs = build_reports(w)
    m = Matrix(w, "feedback")
    codes = {r.report.code: r for r in recs}
    anonymous = m.client_anonymous()
    published = {r.report.code for r in recs if r.report.status in PUBLISHED}
    response = anonymous.get("/api/v1/feedback/public/reports?limit=1000")
    if m.expect("api public list", response, 200, "anonymous", "*"):
        got = ids_in(response, "code") & set(codes)
        _compare(m, "api public list", "anonymous", got, published)
    for r in recs:
        response = anonymous.get(f"/api/v1/feedback/public/reports/{r.report.code}")
        m.expect(
            "api public read", response, 200 if r.report.code in published else 404, "-", r.key
        )

    for i, person in enumerate(w.people):
        client = m.client(person)
        seen = {r.report.code for r in recs if visible(w, person, r)}
        response = client.get("/api/v1/feedback/reports?limit=1000")
        if m.expect("api list", response, 200, person, "*"):
            _compare(m, "api list", person, ids_in(response, "code") & set(codes), seen)
        response = client.get("/api/v1/feedback/reports?mine=true&limit=1000")
        if m.expect("api list mine", response, 200, person, "*"):
            mine = {r.report.code for r in recs if r.reporter == person}
            _compare(m, "api list mine", person, ids_in(response, "code") & set(codes), mine)
        if w.can(person, VIEW):
            for status in ("open", "done"):
                page = client.get(f"/phan-anh/xu-ly/?status={status}")
                if m.expect("page list", page, 200, person, "*"):
                    html = page.content.decode()
                    for code in codes:
                        if code in html and code not in seen:
                            m.fail(f"page list: {person} sees {codes[code].key} (leak)")
        page = client.get("/phan-anh/cua-toi/")
        if m.expect("page list mine", page, 200, person, "*"):
            html = page.content.decode()
            for code, r in codes.items():
                if (code in html) != (r.reporter == person):
                    m.fail(f"page list mine: {person} on {r.key}: shown={code in html}")

        for j, r in enumerate(recs):
            code = r.report.code
            ok = visible(w, person, r)
            m.pair(person, r.key)
            response = client.get(f"/api/v1/feedback/reports/{code}")
            m.expect("api read", response, 200 if ok else 404, person, r.key)
            if not m.deep(i, j, ok):
                continue
            page = client.get(f"/phan-anh/xu-ly/{code}/")
            expected_page = (200 if ok else 404) if w.can(person, VIEW) else 403
            m.expect("page read", page, expected_page, person, r.key)
            page = client.get(f"/phan-anh/cua-toi/{code}/")
            m.expect("page read mine", page, 200 if person == r.reporter else 404, person, r.key)
            # Updates: reassign to the commune's desk, a note.
            updates = [
                ("reassign", {"agency_id": w.agencies[f"{r.commune}_desk"].pk, "reason": "Chuyển"}),
                ("comments", {"message": "Ghi chú nội bộ", "is_public": False}),
            ]
            # Every transition the table allows from the state, and one it refuses.
            moves = workflow.REPORT_FLOW.allowed(r.report.status)
            moves = [*moves, "close" if "close" not in moves else "accept"]
            sends = [(f"api {name}", f"{name}", payload) for name, payload in updates]
            sends += [
                (f"api {a}", f"actions/{a}", {"message": "Nội dung xử lý phản ánh"}) for a in moves
            ]
            for label, path, payload in sends:
                url = f"/api/v1/feedback/reports/{code}/{path}"
                send = _sender(client, url, payload)
                if not ok:
                    m.untouched(label, Report, r.report.pk, send, person, r.key)
                    continue
                response = m.tried(label, send, person, r.key, {400, 403, 409, 422})
                _check_in_scope(m, w, person, r, label, path, response)
            # The handler's page button.
            url = f"/phan-anh/xu-ly/{code}/thao-tac/"
            send = _sender(client, url, {"action": moves[0], "message": "Xử lý"}, form=True)
            if not w.can(person, VIEW):
                m.untouched("page action", Report, r.report.pk, send, person, r.key, expected=403)
            elif ok:
                m.tried("page action", send, person, r.key, {403, 409, 422})
            else:
                m.untouched("page action", Report, r.report.pk, send, person, r.key)
    m.assert_clean(minimum_pairs=len(w.people) * len(recs))


def _check_in_scope(m: Matrix, w: World, person: str, r: Rec, label: str, path: str, response):
    status = response.status_code
    entitled = may_handle(w, person, r)
    if status == 403 and entitled:
        m.fail(f"{label}: {person} on {r.key}: refused (403) though entitled")
    if status == 404:
        m.fail(f"{label}: {person} on {r.key}: 404 on a report in scope")
    if status in (200, 201) and not entitled:
        m.fail(f"{label}: {person} on {r.key}: succeeded without feedback.handle in scope")
    if path.startswith("actions/") and status == 409 and entitled:
        action = path.removeprefix("actions/")
        # ``reporter_replied`` is the reporter's move (their message), never a handler's.
        if action != "reporter_replied" and workflow.REPORT_FLOW.can(r.report.status, action):
            m.fail(f"{label}: {person} on {r.key}: refused by the state machine though allowed")


def _compare(m: Matrix, label: str, person: str, got: set, expected: set):
    for code in got - expected:
        m.fail(f"{label}: {person} sees {code} (leak)")
    for code in expected - got:
        m.fail(f"{label}: {person} misses {code}")


def _sender(client, url: str, payload: dict, form: bool = False):
    def send():
        if form:
            return client.post(url, payload)
        return client.post(url, json.dumps(payload), content_type="application/json")

    return send
