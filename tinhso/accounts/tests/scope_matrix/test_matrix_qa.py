"""Scope matrix of the questions and answers (hỏi đáp): every person × every question, through
the API and the pages.

Who sees a question in the officers' queue (the oracle): an official holding ``qa.view`` whose
open agency's unit contains the question's unit (the unit of the agency that holds it); a
superuser. Its asker sees it in every state; everyone sees it once published and visible.
Acting needs the action's permission on the same unit (403 in scope without it, 404 outside).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tinhso.accounts.tests.scope_matrix.oracle import COMMUNES, Matrix, World, build_world, ids_in
from tinhso.qa import services
from tinhso.qa.models import Question
from tinhso.qa.tests.factories import QuestionFactory
from tinhso.qa.workflow import QUESTION_FLOW

pytestmark = pytest.mark.django_db

VIEW = "qa.view"
STATES = ["assigned", "forwarded", "drafting", "in_review", "answered", "published", "rejected"]
STATES += ["closed"]
# The permission each officer action needs, where it is one permission.
ACTION_PERMISSION = {
    "route": "qa.route",
    "draft": "qa.answer",
    "submit": "qa.answer",
    "return": "qa.review",
    "approve": "qa.review",
    "publish": "qa.review",
    "close": "qa.review",
    "moderate": "qa.moderate",
}
FLOW_ACTION = {"draft": "save_draft", "submit": "submit_for_review"}


@dataclass
class Rec:
    key: str
    question: Question
    unit: str | None
    asker: str

    @property
    def public(self) -> bool:
        q = self.question
        return q.status == "published" and q.moderation == "visible"


def build_questions(w: World) -> list[Rec]:
    recs: list[Rec] = []
    citizens = ["cit1", "cit2", "cit3"]
    placements = [
        (s, COMMUNES[(i + k) % len(COMMUNES)]) for i, s in enumerate(STATES) for k in (0, 2, 4)
    ]
    placements += [("assigned", "p1_so"), ("published", "p1_so"), ("drafting", "v111")]
    for n, (state, agency) in enumerate(placements):
        asker = citizens[n % 3]
        question = QuestionFactory(agency=w.agencies[agency], asker=w.user(asker), in_state=state)
        question.refresh_from_db()
        recs.append(Rec(f"{agency}/{state}", question, _unit(w, question), asker))
    # Hidden by moderation: published, but no longer public.
    question = QuestionFactory(agency=w.agencies["c21"], asker=w.user("cit1"), published=True)
    services.question_moderate(acting_user=None, question=question, action="hide", note="Vi phạm")
    question.refresh_from_db()
    recs.append(Rec("c21/published-hidden", question, _unit(w, question), "cit1"))
    # Waiting for the desk (no agency yet): on the installation's unit, if any.
    question = QuestionFactory(agency=None, asker=w.user("cit2"))
    question.refresh_from_db()
    recs.append(Rec("desk/submitted", question, _unit(w, question), "cit2"))
    return recs


def _unit(w: World, question: Question) -> str | None:
    return w.unit_key(question.unit_id) if question.unit_id in w._unit_key_by_pk else None


def visible(w: World, person: str, r: Rec) -> bool:
    return w.people[person].superuser or w.sees(person, r.unit, VIEW)


def test_qa_scope_matrix():
    w = build_world()
    recs = build_questions(w)
    m = Matrix(w, "qa")
    ours = {r.question.pk: r for r in recs}
    public = {pk for pk, r in ours.items() if r.public}
    anonymous = m.client_anonymous()
    response = anonymous.get("/api/v1/qa/questions?limit=1000")
    if m.expect("api public list", response, 200, "anonymous", "*"):
        _compare(m, "api public list", "anonymous", ids_in(response) & set(ours), public, ours)
    for r in recs:
        response = anonymous.get(f"/api/v1/qa/questions/{r.question.pk}")
        m.expect("api public read", response, 200 if r.public else 404, "anonymous", r.key)

    for i, person in enumerate(w.people):
        client = m.client(person)
        seen = {pk for pk, r in ours.items() if visible(w, person, r)}
        mine = {pk for pk, r in ours.items() if r.asker == person}
        response = client.get("/api/v1/qa/queue?limit=1000")
        if m.expect("api list queue", response, 200, person, "*"):
            _compare(m, "api list queue", person, ids_in(response) & set(ours), seen, ours)
        response = client.get("/api/v1/qa/mine?limit=1000")
        if m.expect("api list mine", response, 200, person, "*"):
            _compare(m, "api list mine", person, ids_in(response) & set(ours), mine, ours)
        page = client.get("/hoi-dap/can-bo/?status=")
        if w.can(person, VIEW):
            if m.expect("page list queue", page, 200, person, "*"):
                html = page.content.decode()
                for pk, r in ours.items():
                    if f"/hoi-dap/can-bo/{pk}/" in html and pk not in seen:
                        m.fail(f"page list queue: {person} sees {r.key} (leak)")
        else:
            m.expect("page list queue", page, 404, person, "*")

        for j, r in enumerate(recs):
            pk = r.question.pk
            ok = visible(w, person, r)
            m.pair(person, r.key)
            response = client.get(f"/api/v1/qa/queue/{pk}")
            m.expect("api read", response, 200 if ok else 404, person, r.key)
            response = client.get(f"/api/v1/qa/questions/{pk}")
            own_or_public = r.public or person == r.asker
            m.expect("api read public", response, 200 if own_or_public else 404, person, r.key)
            if not m.deep(i, j, ok):
                continue
            page = client.get(f"/hoi-dap/can-bo/{pk}/")
            m.expect("page read", page, 200 if ok else 404, person, r.key)
            page = client.get(f"/hoi-dap/{pk}/")
            m.expect("page read public", page, 200 if own_or_public else 404, person, r.key)
            # Update (the draft answer) and every move.
            sends = [
                ("draft", {"answer": "Trả lời thử nghiệm đầy đủ cho câu hỏi của công dân."}),
                ("submit", {}),
                ("route", {"agency_id": w.agencies["c11"].pk}),
                ("forward", {"agency_id": w.agencies["c11_desk"].pk, "reason": "Đúng thẩm quyền"}),
                ("return", {"note": "Bổ sung căn cứ"}),
                ("approve", {}),
                ("publish", {}),
                ("reject", {"reason": "Không phải câu hỏi"}),
                ("close", {}),
                ("moderate", {"action": "hide", "note": "Kiểm tra"}),
            ]
            for action, payload in sends:
                url = f"/api/v1/qa/queue/{pk}/{action}"
                send = _sender(client, url, payload)
                label = f"api {action}"
                if not ok:
                    m.untouched(label, Question, pk, send, person, r.key)
                    continue
                response = m.tried(label, send, person, r.key, {400, 403, 409, 422})
                _check_in_scope(m, w, person, r, action, response, label)
            # The asker's withdrawal: only their own question.
            send = _sender(client, f"/api/v1/qa/questions/{pk}/withdraw", {})
            if person == r.asker:
                m.tried("api withdraw", send, person, r.key, {409})
            elif r.public:
                m.tried("api withdraw", send, person, r.key, {403})
            else:
                m.untouched("api withdraw", Question, pk, send, person, r.key)
            # The officer's page button.
            send = _sender(
                client, f"/hoi-dap/can-bo/{pk}/", {"action": "reject", "reason": "x"}, True
            )
            if ok:
                m.tried("page action", send, person, r.key, set())
            else:
                m.untouched("page action", Question, pk, send, person, r.key)
    m.assert_clean(minimum_pairs=len(w.people) * len(recs))


def _check_in_scope(m: Matrix, w: World, person: str, r: Rec, action: str, response, label):
    status = response.status_code
    permission = ACTION_PERMISSION.get(action)
    # A question without a unit (waiting for the desk on an installation whose province is not
    # loaded) is acted on by nobody, not even a superuser: ``unit_in_scope`` needs a unit.
    superuser = w.people[person].superuser and r.unit is not None
    entitled = superuser or (
        permission is not None and w.can(person, permission) and r.unit is not None
    )
    if status == 403 and entitled:
        m.fail(f"{label}: {person} on {r.key}: refused (403) though entitled")
    if status in (200, 201) and permission is not None and not entitled:
        m.fail(f"{label}: {person} on {r.key}: succeeded without {permission}")
    flow = FLOW_ACTION.get(action, action)
    allowed = QUESTION_FLOW.can(r.question.status, flow)
    refused = status == 409 and json.loads(response.content).get("code") == "transition_not_allowed"
    if refused and entitled and action != "moderate" and allowed:
        m.fail(f"{label}: {person} on {r.key}: refused by the state machine though allowed")


def _compare(m: Matrix, label: str, person: str, got: set, expected: set, ours: dict):
    for pk in got - expected:
        m.fail(f"{label}: {person} sees {ours[pk].key} (leak)")
    for pk in expected - got:
        m.fail(f"{label}: {person} misses {ours[pk].key}")


def _sender(client, url: str, payload: dict, form: bool = False):
    def send():
        if form:
            return client.post(url, payload)
        return client.post(url, json.dumps(payload), content_type="application/json")

    return send
