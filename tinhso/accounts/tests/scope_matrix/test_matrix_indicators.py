"""Scope matrix of the indicators room (IOC): every person × every (unit, period) form of a
data set, through the API.

The records here are addressed by unit code, and units are public: the module answers a write
outside scope with 403 (``indicators_unit_out_of_scope`` / ``approval_not_allowed``), which
reveals nothing a visitor could not read on the unit pages; an internal indicator read outside
scope is 404 (``indicator_not_found``), like an indicator that does not exist. The oracle:

- enter values, complete: ``indicators.enter`` on the form's unit;
- reopen: ``indicators.enter`` on the unit, or ``indicators.approve`` on its parent;
- approve, unapprove: ``indicators.approve`` on the unit's parent (the level above);
- read an internal indicator: ``indicators.view`` on the unit; a public one: anyone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tinhso.accounts.tests.scope_matrix.oracle import Matrix, World, build_world
from tinhso.indicators import services
from tinhso.indicators.models import Completion, DataValue
from tinhso.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db

UNITS = ["p1", "p2", "c11", "c12", "c13", "c21", "c22", "v111", "v211"]
PERIODS = {"202603": "open", "202604": "completed"}
PERIODS |= {"202605": "open", "202606": "completed", "202607": "approved"}
PERIODS |= {"202608": "open", "202609": "completed", "202610": "approved"}
ACTIONS = ["complete", "reopen", "approve", "unapprove"]


@dataclass
class Rec:
    key: str
    unit: str
    period: str
    state: str


def build_catalogue(w: World) -> list[Rec]:
    services.data_element_define(acting_user=None, code="mx_hs", name="Hồ sơ tiếp nhận (thử)")
    services.data_element_define(
        acting_user=None, code="mx_noi_bo", name="Số liệu nội bộ (thử)", is_public=False
    )
    data_set = services.data_set_define(
        acting_user=None,
        code="MX",
        name="Biểu thử phạm vi",
        period_type="month",
        elements=["mx_hs", "mx_noi_bo"],
    )
    recs = []
    for u in UNITS:
        for period, state in PERIODS.items():
            services.values_enter(
                acting_user=None,
                data_set=data_set,
                unit=w.units[u],
                period=period,
                values={"mx_hs": 10, "mx_noi_bo": 3},
            )
            if state != "open":
                services.data_set_complete(
                    acting_user=None, data_set=data_set, unit=w.units[u], period=period
                )
            if state == "approved":
                services.data_set_transition(
                    acting_user=None,
                    data_set=data_set,
                    unit=w.units[u],
                    period=period,
                    action="approve",
                )
            recs.append(Rec(f"{u}/{period}", u, period, state))
    return recs


def may(w: World, person: str, r: Rec, action: str) -> bool:
    if w.people[person].superuser:
        return True
    parent = w.parent[r.unit]
    enter = w.sees(person, r.unit, "indicators.enter")
    approve_above = parent is not None and w.sees(person, parent, "indicators.approve")
    return {
        "enter": enter,
        "complete": enter,
        "reopen": enter or approve_above,
        "approve": approve_above,
        "unapprove": approve_above,
    }[action]


def test_indicators_scope_matrix():
    w = build_world()
    recs = build_catalogue(w)
    m = Matrix(w, "indicators")
    data_set_code = "MX"
    for i, person in enumerate(w.people):
        client = m.client(person)
        for j, r in enumerate(recs):
            code = w.units[r.unit].code
            m.pair(person, r.key)
            # Reads: the public element for anyone, the internal one only in scope.
            base = f"/api/v1/indicators/values?unit={code}&periods={r.period}"
            response = client.get(f"{base}&codes=mx_hs")
            m.expect("api read public", response, 200, person, r.key)
            internal = w.people[person].superuser or w.sees(person, r.unit, "indicators.view")
            response = client.get(f"{base}&codes=mx_noi_bo")
            read = m.expect("api read internal", response, 200 if internal else 404, person, r.key)
            if read and internal:
                # Values roll up the tree: 3 from each unit of the subtree.
                rolled = 3 * sum(1 for u in UNITS if w.within(u, r.unit))
                values = json.loads(response.content)["values"]
                if not any(v.get("value") == rolled for v in values):
                    m.fail(f"api read internal: {person} on {r.key}: value missing {values}")
            if not m.deep(i, j, may(w, person, r, "enter")):
                continue
            # Values entry, then every transition of the form.
            sends = [("enter", f"/api/v1/indicators/data-sets/{data_set_code}/values")]
            sends += [(a, f"/api/v1/indicators/data-sets/{data_set_code}/{a}") for a in ACTIONS]
            for action, url in sends:
                payload = {"unit": code, "period": r.period}
                if action == "enter":
                    payload["values"] = {"mx_hs": 99}
                label = f"api {action}"
                if may(w, person, r, action):
                    response = m.tried(
                        label, _sender(client, url, payload), person, r.key, {409, 422}
                    )
                    continue
                before = _form(w, r)
                last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
                response = client.post(url, json.dumps(payload), content_type="application/json")
                m.expect(label, response, {403}, person, r.key)
                if _form(w, r) != before:
                    m.fail(f"{label}: {person} on {r.key}: the form changed behind a 403")
                if AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() != last:
                    m.fail(f"{label}: {person} on {r.key}: an audit row was written behind a 403")
    m.assert_clean(minimum_pairs=len(w.people) * len(recs))


def _form(w: World, r: Rec):
    unit = w.units[r.unit]
    completion = Completion.objects.filter(unit=unit, period=r.period).values().first()
    values = sorted(DataValue.objects.filter(unit=unit).values_list("pk", "value"))
    return completion, values


def _sender(client, url: str, payload: dict):
    def send():
        return client.post(url, json.dumps(payload), content_type="application/json")

    return send
