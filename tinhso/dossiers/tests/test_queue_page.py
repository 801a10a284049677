"""The work queue a page at a time: the database sorts, cuts and counts; the page and the API
show the page with links to the next, in a number of queries that does not grow with the
queue; the query uses the queue's index (dossier_queue_idx) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tinhso.dossiers import selectors
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.api_helpers import url
from tinhso.dossiers.tests.factories import DossierFactory
from tinhso.dossiers.tests.test_views import page, text_of

pytestmark = pytest.mark.django_db


def _queue(setup, *, received: int, waiting: int) -> list[Dossier]:
    """``received`` dossiers with deadlines 1..n days ahead in a shuffled creation order, then
    ``waiting`` ones not received yet (no clock); in the order the queue must show them."""
    now = timezone.now()
    dated = []
    for days in [(k * 7) % received + 1 for k in range(received)]:  # a permutation of 1..n
        dossier = DossierFactory(setup=setup, received=True)
        Dossier.objects.filter(pk=dossier.pk).update(due_at=now + dt.timedelta(days=days))
        dated.append((days, dossier.pk))
    waiting_pks = [DossierFactory(setup=setup, submitted=True).pk for _ in range(waiting)]
    return [Dossier.objects.get(pk=pk) for _days, pk in sorted(dated)] + [
        Dossier.objects.get(pk=pk) for pk in waiting_pks
    ]


def test_pages_cut_the_whole_queue_in_order(setup):
    expected = _queue(setup, received=5, waiting=2)
    officer = setup.desk_officer
    whole = [item.dossier.pk for item in selectors.work_queue(officer, scope="agency")]
    assert whole == [d.pk for d in expected]
    pages = [
        selectors.work_queue_page(officer, scope="agency", limit=3, offset=o) for o in (0, 3, 6)
    ]
    assert [item.dossier.pk for p in pages for item in p.items] == whole
    assert [p.total for p in pages] == [7, 7, 7]
    assert [(p.previous_offset, p.next_offset) for p in pages] == [(None, 3), (0, 6), (3, None)]
    # Past the end: nothing, the length still known.
    beyond = selectors.work_queue_page(officer, scope="agency", limit=3, offset=9)
    assert (beyond.items, beyond.total) == ([], 7)
    # Each row has its working days left, as before.
    assert all(item.days_left is not None for p in pages[:2] for item in p.items[:2])


def test_queue_page_shows_a_page_and_links_to_the_next(client, setup, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 3)
    expected = _queue(setup, received=5, waiting=2)
    client.force_login(setup.desk_officer)
    queue_url = reverse("dossiers:work_queue")

    html = page(client.get(queue_url, {"pham_vi": "agency"}))
    text = text_of(html)
    assert "Hồ sơ 1–3 trong số 7" in text
    assert "Trang 1/3" in text
    shown = [int(pk) for pk in re.findall(r'href="/[^"]*?/(\d+)/"', html)]
    assert [pk for pk in dict.fromkeys(shown) if pk in {d.pk for d in expected}] == [
        d.pk for d in expected[:3]
    ]
    next_link = re.search(r'<a href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "trang=2" in next_link and "pham_vi=agency" in next_link

    last = text_of(page(client.get(queue_url, {"pham_vi": "agency", "trang": "3"})))
    assert "Hồ sơ 7–7 trong số 7" in last
    # A page past the end (the queue got shorter) shows the last page, not an empty list.
    assert "Hồ sơ 7–7 trong số 7" in text_of(
        page(client.get(queue_url, {"pham_vi": "agency", "trang": "99"}))
    )
    # Nonsense page numbers are the first page, never an error.
    for junk in ("0", "-1", "abc", "9" * 40):
        response = client.get(queue_url, {"pham_vi": "agency", "trang": junk})
        assert response.status_code == 200
        assert "Hồ sơ 1–3 trong số 7" in text_of(page(response))


def test_queue_api_pages_with_total_and_links(client, setup):
    expected = _queue(setup, received=5, waiting=2)
    client.force_login(setup.desk_officer)

    whole = client.get(url("dossiers_queue"), {"scope": "agency"})
    assert [item["dossier"]["id"] for item in whole.json()] == [d.pk for d in expected]
    assert whole["X-Total-Count"] == "7"
    assert "Link" not in whole

    middle = client.get(url("dossiers_queue"), {"scope": "agency", "limit": 3, "offset": 3})
    assert [item["dossier"]["id"] for item in middle.json()] == [d.pk for d in expected[3:6]]
    assert middle["X-Total-Count"] == "7"
    links = dict(
        (rel, target) for target, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', middle["Link"])
    )
    assert "offset=0" in links["prev"] and "offset=6" in links["next"]
    assert "scope=agency" in links["next"] and "limit=3" in links["next"]
    following = client.get(links["next"])
    assert [item["dossier"]["id"] for item in following.json()] == [expected[6].pk]

    for bad in ({"limit": 0}, {"limit": 100_000}, {"offset": -1}, {"limit": "x"}):
        assert client.get(url("dossiers_queue"), bad).status_code == 422, bad


@pytest.mark.parametrize("how", ["page", "api"])
def test_queue_queries_do_not_grow_with_the_queue(
    client, setup, monkeypatch, django_assert_max_num_queries, how
):
    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 10)
    _queue(setup, received=2, waiting=1)
    client.force_login(setup.desk_officer)
    target = (
        (reverse("dossiers:work_queue"), {"pham_vi": "agency"})
        if how == "page"
        else (url("dossiers_queue"), {"scope": "agency", "limit": 10})
    )
    client.get(*target)  # warm: the session, the calendar cache

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(*target).status_code == 200
    _queue(setup, received=8, waiting=4)  # 15 in the queue: a full page of 10
    with django_assert_max_num_queries(len(few)):
        response = client.get(*target)
    assert response.status_code == 200
    # The queue itself: count, page ids, rows, procedure versions, open steps.
    with django_assert_max_num_queries(5):
        selectors.work_queue_page(setup.desk_officer, scope="agency", limit=10)


def test_queue_query_uses_the_queue_index(setup):
    _queue(setup, received=3, waiting=1)
    qs = selectors._queue_queryset(
        setup.desk_officer, scope="agency", order="deadline", status=None
    )
    sql, params = qs.values_list("pk", flat=True)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test table is tiny: a sequential scan would win, which says nothing at scale.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    if connection.vendor == "sqlite":
        assert "dossier_queue_idx" in plan, plan
        assert "AUTOMATIC" not in plan, plan
    else:
        # On a table of four rows PostgreSQL's choice between the two agency indexes is a coin
        # toss of its statistics (the 1-million-row benchmark, bench/bench_read.py, shows it
        # takes dossier_queue_idx at scale); what must hold here is an index, never a scan.
        assert "Seq Scan on dossiers_dossier" not in plan, plan
        assert "dossier_queue_idx" in plan or "current_agency_id" in plan, plan
