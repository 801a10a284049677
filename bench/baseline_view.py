"""The submission benchmark's ceiling: a view that performs one INSERT and nothing else.

Mounted at ``/bench/baseline-insert/`` only when ``TINHSO_BENCH_BASELINE=1`` (see
``tinhso/urls.py``), so it runs behind exactly the production stack (gunicorn, the same
middleware, CSRF check included, the same database connection settings) but does none of a
real submission's work. ``bench_submit.py`` creates its table with raw SQL (no migration).
"""

from __future__ import annotations

import json

from django.db import connection, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

TABLE = "bench_baseline_insert"


def create_table_sql(vendor: str) -> str:
    key = "id BIGSERIAL PRIMARY KEY" if vendor == "postgresql" else "id INTEGER PRIMARY KEY"
    return (
        f"CREATE TABLE IF NOT EXISTS {TABLE} ({key}, idem_key VARCHAR(255) NOT NULL, "
        "body TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)"
    )


@require_POST
def baseline_insert(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponseBadRequest("bad json")
    key = request.headers.get("Idempotency-Key", "")
    sql = f"INSERT INTO {TABLE} (idem_key, body, created_at) VALUES (%s, %s, %s) RETURNING id"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [key, json.dumps(body, ensure_ascii=False), timezone.now().isoformat()])
        row_id = cursor.fetchone()[0]
    return JsonResponse({"id": row_id, "key": key}, status=201)


urlpatterns = [path("bench/baseline-insert/", baseline_insert, name="bench_baseline_insert")]
