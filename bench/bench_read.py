# ruff: noqa: S608 - SQL built from this file's constants and integers, no user input.
"""Read paths at a million rows: an officer's work queue and the public Q&A search.

On the demo province, SQL (not the ORM, not one save per row) adds ``--size`` dossiers
(default 1,000,000) of which 1,000 are open at one commune desk (the officer
``motcua.anhson``; a few closed ones there too, the rest spread over every other agency),
and ``--size`` published questions whose text comes from a list of Vietnamese phrases (with
their diacritics; the folded copies are made by ``kernel.text.fold``, as the services do).
The databases are cached under ``var/bench/`` (SQLite) or as ``tinhso_benchcore_read_<size>``
(PostgreSQL) and reused by the next run.

Measured through the real selectors, each the median and p95 of ``--runs`` calls:

- ``queue``: ``dossiers.selectors.work_queue(officer, scope="agency")`` (scope, the open states,
  the working days left of each); baseline: the same 1,000 rows fetched by primary-key range,
  no scope, no clock;
- ``search``: ``qa.selectors.question_search(text)`` first page (20) and count, for unaccented
  queries ("dich vu cong" must find "dịch vụ công"); baseline: a naive
  ``LIKE '%dich vu cong%'`` scan over the folded columns (same page and count).

    python bench/bench_read.py [--quick] [--databases sqlite,postgres] [--size N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_submit as sub
from harness import Report, percentiles, ratio

OFFICER = "motcua.anhson"
IN_SCOPE = 1000
PAGE = 20
# (query as a citizen types it without diacritics, the accented phrase it must find)
QUERIES = [
    ("dich vu cong", "dịch vụ công"),
    ("giay phep xay dung", "giấy phép xây dựng"),
    ("quynh luu", "Quỳnh Lưu"),
]
PHRASES = [
    "thủ tục đăng ký dịch vụ công trực tuyến",
    "cấp giấy phép xây dựng nhà ở riêng lẻ",
    "đăng ký khai sinh cho con",
    "xác nhận tình trạng hôn nhân",
    "chuyển quyền sử dụng đất",
    "đổi giấy phép lái xe",
    "trợ cấp thất nghiệp",
    "đăng ký hộ kinh doanh",
    "chứng thực bản sao từ bản chính",
    "lệ phí trước bạ nhà đất",
    "cấp phiếu lý lịch tư pháp",
    "đăng ký thường trú",
    "bảo hiểm y tế hộ gia đình",
    "hỗ trợ người có công với cách mạng",
    "an toàn thực phẩm cơ sở kinh doanh",
    "giải quyết tranh chấp đất đai",
    "thời hạn trả kết quả hồ sơ",
    "nộp hồ sơ qua bưu chính công ích",
    "thanh toán trực tuyến phí và lệ phí",
    "sửa đổi thông tin trên căn cước",
    "trợ giúp xã hội hằng tháng",
    "cấp đổi sổ đỏ bị mất",
    "xin phép tổ chức lễ hội",
    "đăng ký kết hôn có yếu tố nước ngoài",
    "đăng ký khai tử",
    "ủy quyền nộp hồ sơ thay",
    "hộ nghèo và cận nghèo",
    "học bổng cho học sinh dân tộc thiểu số",
    "thu hồi đất làm đường giao thông",
    "bồi thường giải phóng mặt bằng",
    "giấy chứng nhận quyền sử dụng đất lần đầu",
    "đăng ký biến động đất đai",
    "trích lục hộ tịch bản sao",
    "nhận cha mẹ con",
    "cấp lại giấy khai sinh bị mất",
    "tiếp nhận phản ánh kiến nghị",
    "chế độ thai sản cho lao động nữ",
    "lương hưu và bảo hiểm xã hội",
    "tiêm chủng mở rộng cho trẻ em",
    "điện nước sinh hoạt khu dân cư",
]


# --- the data ---------------------------------------------------------------------------------


def _ts(vendor: str, epoch_expr: str) -> str:
    if vendor == "postgresql":
        return f"to_timestamp({epoch_expr})"
    return f"strftime('%Y-%m-%d %H:%M:%f', {epoch_expr}, 'unixepoch')"


def _series(vendor: str, low: int, high: int) -> tuple[str, str]:
    """(prefix, FROM item) giving the integers low..high as s.g."""
    if vendor == "postgresql":
        return "", f"generate_series({low}::bigint, {high}::bigint) AS s(g)"
    return (
        f"WITH RECURSIVE s(g) AS (SELECT {low} UNION ALL SELECT g + 1 FROM s WHERE g < {high}) ",
        "s",
    )


def _meta(cursor, key: str) -> int:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_read_meta (k VARCHAR(40) PRIMARY KEY, v BIGINT)"
    )
    cursor.execute("SELECT v FROM bench_read_meta WHERE k = %s", [key])
    row = cursor.fetchone()
    return row[0] if row else 0


def _set_meta(cursor, key: str, value: int) -> None:
    cursor.execute("DELETE FROM bench_read_meta WHERE k = %s", [key])
    cursor.execute("INSERT INTO bench_read_meta (k, v) VALUES (%s, %s)", [key, value])


def _chunks(total: int, size: int = 100_000):
    low = 1
    while low <= total:
        high = min(total, low + size - 1)
        yield low, high
        low = high + 1


def generate_dossiers(size: int, log) -> dict:
    """``size`` dossiers cloned in SQL from a demo one; the first IN_SCOPE are the officer's
    open queue. Returns the primary-key range of those."""
    from django.db import connection, transaction

    from tinhso.accounts.models import User
    from tinhso.dossiers.models import Dossier, Status
    from tinhso.units.models import Agency

    officer = User.objects.get(username=OFFICER)
    vendor = connection.vendor
    with connection.cursor() as cursor:
        if _meta(cursor, "dossiers") == size:
            cursor.execute("SELECT v FROM bench_read_meta WHERE k = 'queue_first'")
            first = cursor.fetchone()[0]
            return {"first": first, "last": first + IN_SCOPE - 1, "generated_s": None}
    template = Dossier.objects.exclude(status=Status.DRAFT).order_by("pk").first()
    others = list(
        Agency.objects.exclude(pk=officer.agency_id).order_by("pk").values_list("pk", "unit_id")
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_agencies")
        cursor.execute(
            "CREATE TABLE bench_agencies "
            "(idx INTEGER PRIMARY KEY, agency_id BIGINT, unit_id BIGINT)"
        )
        for index, (pk, unit) in enumerate(others):
            cursor.execute("INSERT INTO bench_agencies VALUES (%s, %s, %s)", [index, pk, unit])
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
        first = cursor.fetchone()[0] + 1
    now = int(time.time())
    open_states = [Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING]
    other_states = [
        Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.RESULT_READY,
        Status.RETURNED, Status.RETURNED, Status.RETURNED, Status.REFUSED, Status.WITHDRAWN,
    ]  # fmt: skip

    def pick(states, expr):
        cases = " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(states))
        return f"CASE ({expr}) % {len(states)} {cases} END"

    in_scope = f"s.g <= {IN_SCOPE}"
    # Every 50th row beyond the queue sits at the officer's desk but is closed (returned).
    at_desk_closed = f"(s.g > {IN_SCOPE} AND s.g % 50 = 0)"
    overrides = {
        "code": "'BQ-' || CAST(s.g AS VARCHAR(12))",
        "status": f"CASE WHEN {in_scope} THEN {pick(open_states, 's.g')} "
        f"WHEN {at_desk_closed} THEN 'returned' ELSE {pick(other_states, 's.g * 7')} END",
        "current_agency_id": f"CASE WHEN {in_scope} OR {at_desk_closed} THEN {officer.agency_id} "
        "ELSE a.agency_id END",
        "receiving_agency_id": f"CASE WHEN {in_scope} OR {at_desk_closed} "
        f"THEN {officer.agency_id} ELSE a.agency_id END",
        "unit_id": f"CASE WHEN {in_scope} OR {at_desk_closed} THEN {officer.agency.unit_id} "
        "ELSE a.unit_id END",
        "current_officer_id": "NULL",
        "created_at": _ts(vendor, f"{now} - 86400 * 400 + (s.g * 31) % (86400 * 390)"),
        "updated_at": _ts(vendor, f"{now} - 86400 * 400 + (s.g * 31) % (86400 * 390)"),
        "submitted_at": _ts(vendor, f"{now} - 86400 * 400 + (s.g * 31) % (86400 * 390) + 600"),
        "due_at": _ts(vendor, f"{now} - 86400 * 5 + (s.g * 7919) % (86400 * 30)"),
    }
    columns = [f.column for f in Dossier._meta.concrete_fields if not f.primary_key]
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    count = len(others)
    for low, high in _chunks(size):
        prefix, source = _series(vendor, low, high)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"{prefix}INSERT INTO dossiers_dossier ({', '.join(columns)}) "
                f"SELECT {select} FROM {source} "
                f"JOIN bench_agencies a ON a.idx = (s.g * 2654435761) % {count} "
                f"CROSS JOIN dossiers_dossier t WHERE t.id = {template.pk}"
            )
        log(f"dossiers: {high:,} / {size:,} ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id) FROM dossiers_dossier WHERE code = 'BQ-1'")
        first = cursor.fetchone()[0]
        if vendor == "postgresql":
            cursor.execute("ANALYZE dossiers_dossier")
        else:
            cursor.execute("ANALYZE")
        _set_meta(cursor, "queue_first", first)
        _set_meta(cursor, "dossiers", size)
    return {
        "first": first,
        "last": first + IN_SCOPE - 1,
        "generated_s": time.perf_counter() - started,
    }


def generate_questions(size: int, log) -> float | None:
    """``size`` published questions, text from PHRASES, folded by kernel.text.fold."""
    from django.db import connection, transaction

    from tinhso.kernel.text import fold
    from tinhso.qa.models import Question

    vendor = connection.vendor
    with connection.cursor() as cursor:
        if _meta(cursor, "questions") == size:
            return None
    template = Question.objects.filter(status="published").order_by("pk").first()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_phrases")
        cursor.execute("CREATE TABLE bench_phrases (idx INTEGER PRIMARY KEY, txt TEXT, fld TEXT)")
        for index, phrase in enumerate(PHRASES):
            cursor.execute(
                "INSERT INTO bench_phrases VALUES (%s, %s, %s)", [index, phrase, fold(phrase)]
            )
    n = len(PHRASES)
    now = int(time.time())
    joins = " ".join(
        f"JOIN bench_phrases p{k} ON p{k}.idx = (s.g * {m} + {k * 7}) % {n}"
        for k, m in enumerate(
            [7919, 104729, 1299709, 15485863, 32452843, 49979687, 67867967, 86028121]
        )
    )
    rare = "CASE WHEN s.g % 1000 = 7 THEN ' ở Quỳnh Lưu' ELSE '' END"
    rare_folded = "CASE WHEN s.g % 1000 = 7 THEN ' o quynh luu' ELSE '' END"
    overrides = {
        "title": f"'Hỏi về ' || p0.txt || ' và ' || p1.txt || {rare}",
        "title_folded": f"'hoi ve ' || p0.fld || ' va ' || p1.fld || {rare_folded}",
        "body": "'Xin hỏi ' || p2.txt || ', ' || p3.txt || ' và ' || p4.txt || ' như thế nào?'",
        "body_folded": "'xin hoi ' || p2.fld || ', ' || p3.fld || ' va ' || p4.fld "
        "|| ' nhu the nao?'",
        "answer": "'Trả lời: ' || p5.txt || '; ' || p6.txt || '; ' || p7.txt || '.'",
        "answer_folded": "'tra loi: ' || p5.fld || '; ' || p6.fld || '; ' || p7.fld || '.'",
        "status": "'published'",
        "moderation": "'visible'",
        "created_at": _ts(vendor, f"{now} - 86400 * 800 + (s.g * 37) % (86400 * 790)"),
        "answered_at": _ts(vendor, f"{now} - 86400 * 790 + (s.g * 37) % (86400 * 790)"),
        "published_at": _ts(vendor, f"{now} - 86400 * 790 + (s.g * 37) % (86400 * 790) + 60"),
        "asker_id": "NULL",
    }
    columns = [f.column for f in Question._meta.concrete_fields if not f.primary_key]
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    for low, high in _chunks(size):
        prefix, source = _series(vendor, low, high)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"{prefix}INSERT INTO qa_question ({', '.join(columns)}) "
                f"SELECT {select} FROM {source} {joins} "
                f"CROSS JOIN qa_question t WHERE t.id = {template.pk}"
            )
        log(f"questions: {high:,} / {size:,} ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE qa_question" if vendor == "postgresql" else "ANALYZE")
        _set_meta(cursor, "questions", size)
    return time.perf_counter() - started


# --- the measurements (in the Django process) -------------------------------------------------


def measure(size: int, runs: int, naive_runs: int) -> dict:
    sub._django_setup()
    from django.db import connection
    from django.db.models import Q

    from tinhso.accounts.models import User
    from tinhso.dossiers import selectors as dossier_selectors
    from tinhso.dossiers.models import Dossier
    from tinhso.kernel.text import fold
    from tinhso.qa import selectors as qa_selectors
    from tinhso.qa.models import Question

    def log(text):
        print(f"  read[{connection.vendor}]: {text}", flush=True)

    queue_range = generate_dossiers(size, log)
    questions_s = generate_questions(size, log)
    officer = User.objects.get(username=OFFICER)
    rows = []

    def timed_runs(func, n, warm=True):
        samples, result = [], None
        if warm:
            func()  # warm-up (caches, the calendar, prepared plans)
        for _ in range(n):
            began = time.perf_counter()
            result = func()
            samples.append((time.perf_counter() - began) * 1000)
        return percentiles(samples), result

    queue, items = timed_runs(lambda: dossier_selectors.work_queue(officer, scope="agency"), runs)
    generated = sum(1 for item in items if item.dossier.code.startswith("BQ-"))
    assert generated == IN_SCOPE, (generated, len(items))
    assert all(item.dossier.current_agency_id == officer.agency_id for item in items)

    def by_key():
        return list(
            Dossier.objects.filter(pk__gte=queue_range["first"], pk__lte=queue_range["last"])
            .select_related("procedure", "current_agency")
            .order_by("due_at")
        )

    base, base_items = timed_runs(by_key, runs)
    assert len(base_items) == IN_SCOPE
    rows.append(
        {
            "case": "work queue (officer, 1,000 open in scope)",
            "rows": len(items),
            "p50_ms": queue["p50_ms"],
            "p95_ms": queue["p95_ms"],
            "baseline_p50_ms": base["p50_ms"],
            "baseline_p95_ms": base["p95_ms"],
            "ratio": ratio(base["p50_ms"], queue["p50_ms"]),
        }
    )

    # What the page and the API show: a page of 50 and the queue's length.
    paged, first_page = timed_runs(
        lambda: dossier_selectors.work_queue_page(officer, scope="agency", limit=50), runs
    )
    assert first_page.total == len(items) and len(first_page.items) == 50
    assert [item.dossier.pk for item in first_page.items] == [i.dossier.pk for i in items[:50]]
    rows.append(
        {
            "case": "work queue page (first 50 + count)",
            "rows": first_page.total,
            "p50_ms": paged["p50_ms"],
            "p95_ms": paged["p95_ms"],
            "baseline_p50_ms": base["p50_ms"],
            "baseline_p95_ms": base["p95_ms"],
            "ratio": ratio(base["p50_ms"], paged["p50_ms"]),
        }
    )

    for typed, accented in QUERIES:

        def search(typed=typed):
            results = qa_selectors.question_search(typed)
            return results.count(), list(results[:PAGE])

        def naive(typed=typed):
            word = fold(typed)
            qs = Question.objects.filter(status="published", moderation="visible").filter(
                Q(title_folded__contains=word)
                | Q(body_folded__contains=word)
                | Q(answer_folded__contains=word)
            )
            return qs.count(), list(qs.order_by("-published_at", "-pk")[:PAGE])

        found, (count, page) = timed_runs(search, runs)
        assert count > 0 and page, typed
        # Typed without diacritics, found with them: the page shows the accented phrase.
        assert all(accented.lower() in f"{q.title} {q.body} {q.answer}".lower() for q in page), (
            typed
        )
        scan, (naive_count, _) = timed_runs(naive, naive_runs, warm=False)
        rows.append(
            {
                "case": f'Q&A search "{typed}" (page of 20 + count)',
                "rows": count,
                "p50_ms": found["p50_ms"],
                "p95_ms": found["p95_ms"],
                "baseline_p50_ms": scan["p50_ms"],
                "baseline_p95_ms": scan["p95_ms"],
                "ratio": ratio(scan["p50_ms"], found["p50_ms"]),
                "baseline_rows": naive_count,
            }
        )
    return {
        "rows": rows,
        "dossiers": Dossier.objects.count(),
        "questions": Question.objects.count(),
        "generated_dossiers_s": queue_range["generated_s"],
        "generated_questions_s": questions_s,
    }


# --- the databases ----------------------------------------------------------------------------


def database_url(vendor: str, size: int) -> tuple[str, dict]:
    var_dir = sub.VAR / "read-var"
    var_dir.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        path = sub.VAR / f"read-{size}.sqlite3"
        if not path.exists():
            seed = sub.VAR / "submit-seed.sqlite3"
            if not seed.exists():
                sub._migrate_and_demo(sub.base_env(f"sqlite:///{seed}", var_dir))
            shutil.copyfile(seed, path)
        url = f"sqlite:///{path}"
    else:
        name = f"{sub.PG_NAME}_read_{size}"
        if sub._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            seed = f"{sub.PG_NAME}_seed"
            if sub._psql(f"SELECT 1 FROM pg_database WHERE datname = '{seed}'") != "1":
                sub._psql(f'CREATE DATABASE "{seed}"')
                sub._migrate_and_demo(sub.base_env(f"{sub.PG_SERVER}/{seed}", var_dir))
            sub._psql(f'CREATE DATABASE "{name}" TEMPLATE "{seed}"')
        url = f"{sub.PG_SERVER}/{name}"
    env = sub.base_env(url, var_dir)
    migrate = [str(sub.BIN / "tinhso"), "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, env=env, cwd=sub.ROOT, check=True)  # noqa: S603
    return url, env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 5 runs")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        size, runs, naive_runs, out = args.measure
        result = measure(int(size), int(runs), int(naive_runs))
        Path(out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0

    size = args.size or (20_000 if args.quick else 1_000_000)
    runs = args.runs or (5 if args.quick else 20)
    naive_runs = 3 if args.quick else 2  # a full scan of a million rows takes a while
    report = Report(
        "read",
        title=f"Read paths at {size:,} dossiers and {size:,} questions",
        baseline="queue: the same 1,000 dossiers by primary-key range (no scope, no clock); "
        "search: a naive LIKE '%…%' scan over the folded columns (same page and count); "
        "ratio = baseline p50 ÷ our p50 (above 1: faster than the baseline)",
    )
    load_before = sub.load_average()
    for vendor in args.databases.split(","):
        _url, env = database_url(vendor, size)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp, "read.json")
            subprocess.run(  # noqa: S603
                [
                    sub.PYTHON,
                    __file__,
                    "--measure",
                    str(size),
                    str(runs),
                    str(naive_runs),
                    str(out),
                ],
                env=env,
                cwd=sub.ROOT,
                check=True,
            )
            result = json.loads(out.read_text(encoding="utf-8"))
        for row in result["rows"]:
            report.row(database=vendor, **row)
        generated = [
            f"{what} generated in {result[key]:.0f} s"
            for what, key in (
                ("dossiers", "generated_dossiers_s"),
                ("questions", "generated_questions_s"),
            )
            if result[key]
        ]
        report.note(
            f"{vendor}: {result['dossiers']:,} dossiers, {result['questions']:,} questions"
            + (f" ({', '.join(generated)})" if generated else " (cached database)")
        )
    report.note(
        f"{runs} timed calls per case after one warm-up call ({naive_runs} for the naive scan, "
        "no warm-up); "
        f"rows = queue length / search matches as counted by the search (it stops at 1,000: "
        "the page then says 'more than 1,000'; baseline_rows is the true number); "
        f"officer {OFFICER} (a commune desk)"
    )
    report.note(f"load average before: {load_before}; after: {sub.load_average()} (shared machine)")
    report.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
