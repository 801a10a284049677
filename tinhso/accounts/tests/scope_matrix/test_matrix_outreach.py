"""Scope matrix of the outreach room (truyền thông): campaigns, content, radio stations,
clusters and schedules, community technology teams and their activity logs, surveys — every
person × every record, through the API and the pages.

Who sees a record (the oracle): an official holding ``outreach.view`` whose open agency's unit
contains the record's unit (a cluster's and a slot's: their station's; a log's: its team's);
a superuser. Changing it needs the action's permission on the same unit (403 in scope without
it, 404 outside).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tinhso.accounts.tests.scope_matrix.oracle import Matrix, World, build_world, ids_in
from tinhso.outreach import services
from tinhso.outreach.models import ActivityLog, BroadcastSlot, Campaign, Content, Survey, Team

pytestmark = pytest.mark.django_db

VIEW = "outreach.view"


@dataclass
class Rec:
    key: str
    kind: str  # campaign | content | station | cluster | slot | team | log | survey
    obj: object
    unit: str

    @property
    def pk(self) -> int:
        return self.obj.pk


def build_outreach(w: World) -> list[Rec]:
    today = timezone.localdate()
    recs: list[Rec] = []
    for u in ("p1", "c11", "c12", "c13", "c21", "c22", "p2"):
        campaign = services.campaign_create(
            acting_user=None,
            unit=w.units[u],
            title=f"Chiến dịch chuyển đổi số {u}",
            starts_on=today,
            ends_on=today + dt.timedelta(days=30),
        )
        recs.append(Rec(f"campaign/{u}", "campaign", campaign, u))
    contents = {}
    states = {"draft": [], "review": ["submit"], "approved": ["submit", "approve"]}
    states["withdrawn"] = ["submit", "approve", "withdraw"]
    units = ["c11", "c12", "c13", "c21", "c22", "p1"]
    for s, (state, steps) in enumerate(states.items()):
        for k in range(len(units)):
            u = units[(s + k) % len(units)]
            content = services.content_create(
                acting_user=None,
                unit=w.units[u],
                kind="radio",
                title=f"Bản tin {state} {u}",
                body="Người dân cài đặt ứng dụng VNeID để làm thủ tục trực tuyến.",
            )
            for step in steps:
                getattr(services, f"content_{step}")(acting_user=None, content=content)
            content.refresh_from_db()
            assert content.status == state
            contents[(u, state)] = content
            recs.append(Rec(f"content/{u}/{state}", "content", content, u))
    for u in ("c11", "c21", "p1"):
        station = services.station_create(
            acting_user=None, unit=w.units[u], code=f"DAI-{u}", name=f"Đài truyền thanh {u}"
        )
        recs.append(Rec(f"station/{u}", "station", station, u))
        cluster, _key = services.cluster_create(
            acting_user=None, station=station, code=f"CUM-{u}", name=f"Cụm loa {u}"
        )
        recs.append(Rec(f"cluster/{u}", "cluster", cluster, u))
        approved = services.content_create(
            acting_user=None, unit=w.units[u], kind="radio", title=f"Phát thanh {u}",
            body="Lịch tiêm chủng và lịch làm căn cước tại nhà văn hoá thôn.",
        )  # fmt: skip
        services.content_submit(acting_user=None, content=approved)
        services.content_approve(acting_user=None, content=approved)
        outcome = services.slot_schedule(
            acting_user=None,
            cluster=cluster,
            content=approved,
            starts_at=timezone.now() + dt.timedelta(days=1),
            duration_seconds=120,
        )
        recs.append(Rec(f"slot/{u}", "slot", outcome.slot, u))
    for u in ("v111", "v211", "c12", "c13", "c22"):
        team = services.team_create(acting_user=None, unit=w.units[u], name=f"Tổ công nghệ {u}")
        recs.append(Rec(f"team/{u}", "team", team, u))
        log, _created = services.activity_log_create(
            acting_user=None,
            team=team,
            date=timezone.localdate(),
            place="Nhà văn hoá",
            kind="door_to_door",
        )
        recs.append(Rec(f"log/{u}", "log", log, u))
    for u in ("c11", "c12", "c21", "c22", "p1"):
        for opened in (False, True):
            survey = services.survey_create(
                acting_user=None,
                unit=w.units[u],
                title=f"Khảo sát nhận thức {u} {opened}",
                questions=[{"text": "Bạn đã có tài khoản VNeID?", "kind": "yes_no"}],
            )
            if opened:
                services.survey_open(acting_user=None, survey=survey)
            recs.append(Rec(f"survey/{u}/{'open' if opened else 'draft'}", "survey", survey, u))
    return recs


LISTS = {
    "campaign": "/api/v1/outreach/campaigns?limit=1000",
    "content": "/api/v1/outreach/contents?limit=1000",
    "station": "/api/v1/outreach/stations?limit=1000",
    "cluster": "/api/v1/outreach/clusters?limit=1000",
    "team": "/api/v1/outreach/teams?limit=1000",
    "log": "/api/v1/outreach/activity-logs?limit=1000",
    "survey": "/api/v1/outreach/surveys?limit=1000",
}
READS = {
    "campaign": "/api/v1/outreach/campaigns/{pk}",
    "content": "/api/v1/outreach/contents/{pk}",
    "team": "/api/v1/outreach/teams/{pk}",
    "survey": "/api/v1/outreach/surveys/{pk}/results",
}
PAGES = {
    "campaign": "/truyen-thong/chien-dich/{pk}/",
    "content": "/truyen-thong/noi-dung/{pk}/",
    "team": "/truyen-thong/to-cong-nghe/{pk}/",
    "survey": "/truyen-thong/khao-sat/quan-ly/{pk}/",
}
MODELS = {
    "campaign": Campaign,
    "content": Content,
    "slot": BroadcastSlot,
    "team": Team,
    "log": ActivityLog,
    "survey": Survey,
}


def moves(r: Rec) -> list[tuple[str, str, dict]]:
    """(label, API path, body) of every change the record's kind offers."""
    base = f"/api/v1/outreach/{r.kind}s/{r.pk}"
    if r.kind == "campaign":
        return [("update", base, {"title": "Chiến dịch đổi tên"})]
    if r.kind == "content":
        return [("update", base, {"title": "Bản tin đổi tên"})] + [
            (a, f"{base}/{a}", {"note": "Ghi chú"}) for a in ("submit", "return", "approve")
        ] + [("withdraw", f"{base}/withdraw", {"note": "Thu hồi"})]  # fmt: skip
    if r.kind == "slot":
        return [("cancel", f"/api/v1/outreach/slots/{r.pk}/cancel", {})]
    if r.kind == "survey":
        return [("open", f"{base}/open", {}), ("close", f"{base}/close", {})]
    return []


def visible(w: World, person: str, r: Rec) -> bool:
    return w.people[person].superuser or w.sees(person, r.unit, VIEW)


def test_outreach_scope_matrix():
    w = build_world()
    recs = build_outreach(w)
    m = Matrix(w, "outreach")
    for i, person in enumerate(w.people):
        client = m.client(person)
        for kind, url in LISTS.items():
            ours = {r.pk: r for r in recs if r.kind == kind}
            response = client.get(url)
            if m.expect(f"api list {kind}", response, 200, person, "*"):
                got = ids_in(response) & set(ours)
                expected = {pk for pk, r in ours.items() if visible(w, person, r)}
                for pk in got - expected:
                    m.fail(f"api list {kind}: {person} sees {ours[pk].key} (leak)")
                for pk in expected - got:
                    m.fail(f"api list {kind}: {person} misses {ours[pk].key}")
        start = timezone.localdate().isoformat()
        end = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        response = client.get(f"/api/v1/outreach/slots?start={start}&end={end}")
        ours = {r.pk: r for r in recs if r.kind == "slot"}
        if m.expect("api list slot", response, 200, person, "*"):
            got = ids_in(response) & set(ours)
            expected = {pk for pk, r in ours.items() if visible(w, person, r)}
            for pk in got ^ expected:
                m.fail(f"api list slot: {person} on {ours[pk].key}: listed={pk in got}")

        for j, r in enumerate(recs):
            ok = visible(w, person, r)
            m.pair(person, r.key)
            if r.kind in READS:
                response = client.get(READS[r.kind].format(pk=r.pk))
                m.expect(f"api read {r.kind}", response, 200 if ok else 404, person, r.key)
            if not m.deep(i, j, ok):
                continue
            if r.kind in PAGES:
                page = client.get(PAGES[r.kind].format(pk=r.pk))
                if r.kind == "team":
                    expected = 200 if ok else 404
                else:
                    expected = (200 if ok else 404) if w.can(person, VIEW) else 403
                m.expect(f"page read {r.kind}", page, expected, person, r.key)
            for label, url, payload in moves(r):
                method = "patch" if label == "update" else "post"
                send = _sender(client, method, url, payload)
                label = f"api {r.kind} {label}"
                if ok:
                    m.tried(label, send, person, r.key, {400, 403, 409, 422})
                else:
                    m.untouched(label, MODELS[r.kind], r.pk, send, person, r.key)
            if r.kind == "content":
                url = f"/truyen-thong/noi-dung/{r.pk}/thao-tac/"
                send = _sender(client, "post", url, {"action": "submit"}, form=True)
                if ok:
                    m.tried("page content action", send, person, r.key, {403, 409, 422})
                elif w.can(person, VIEW):
                    m.untouched("page content action", Content, r.pk, send, person, r.key)
            if r.kind == "survey":
                url = f"/truyen-thong/khao-sat/quan-ly/{r.pk}/trang-thai/"
                send = _sender(client, "post", url, {"action": "close"}, form=True)
                if ok and w.can(person, "outreach.surveys"):
                    m.tried("page survey status", send, person, r.key, {409, 422})
                elif w.can(person, "outreach.surveys"):
                    m.untouched("page survey status", Survey, r.pk, send, person, r.key)
                else:
                    m.untouched("page survey status", Survey, r.pk, send, person, r.key, 403)
    m.assert_clean(minimum_pairs=len(w.people) * len(recs))


def _sender(client, method: str, url: str, payload: dict, form: bool = False):
    def send():
        if form:
            return client.post(url, payload)
        return getattr(client, method)(url, json.dumps(payload), content_type="application/json")

    return send
