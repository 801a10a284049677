"""IOC benchmark (issue 5, "Performance"): a national data set, then the board against the
naive GROUP BY, the freshness after a dossier state change, and a 1-million-value CSV import.

    .venv/bin/python bench/bench_ioc.py [--db sqlite|postgres|both] [--scale 1.0] [--quick]

Data set (``bench/ioc_data.py``): the real 34 provinces and 3,321 communes, 10 million
dossiers and 1 million field reports over 2024-01 .. today, 50 entered indicators monthly for
every commune (≈ 6 million values), at ``--scale`` × that size. It is kept under
``var/bench/`` (SQLite file, or the PostgreSQL database ``tinhso_iocbench``) with a JSON
marker: a second run at the same scale measures only.

Measured, per database:

1. a 12-tile board (``selectors.board_values``, warm, ≥ 50 runs) for the whole country, a
   province and a commune, for a year and a month: p50 / p95;
2. the same 12 figures computed naively with GROUP BY over the raw rows (the baseline), and
   the ratio naive / board; the two must agree value for value;
3. the delay from a dossier state change through the dossiers services (``dossier_receive``)
   to the board showing it, polled from a second thread (its own connection);
4. the import of 1 million values from a DHIS2 CSV through ``indicators.imports``: values/s.

Results: ``bench/results/ioc_<database>.json`` and ``.md``.
"""

# ruff: noqa: S608 - the SQL is built from the benchmark's own constants, never input
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import ioc_data  # noqa: E402
from harness import Report, percentiles, ratio  # noqa: E402

VAR = ROOT / "var" / "bench"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
QUICK_SCALE = 0.002
GOAL = "board p95 ≤ 50 ms warm, ≥ 50× faster than the naive GROUP BY, fresh within 1 s"


def tag_of(scale: float) -> str:
    return "full" if scale == 1.0 else f"s{scale:g}".replace(".", "_")


def target(db: str, scale: float) -> tuple[str, Path]:
    """(DATABASE_URL, marker file) of the data set for ``db`` at ``scale``."""
    tag = tag_of(scale)
    marker = VAR / f"ioc-{db}-{tag}.json"
    if db == "sqlite":
        return f"sqlite:///{VAR / f'ioc-{tag}.sqlite3'}", marker
    name = "tinhso_iocbench" if tag == "full" else f"tinhso_iocbench_{tag}"
    return PG_URL.format(name=name), marker


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ):
            return True
    except Exception:
        return False


def prepare_database(db: str, url: str, marker: Path, scale_key: dict) -> None:
    """Start from an empty database unless the marker says this scale is (being) built."""
    import json

    same = False
    if marker.exists():
        try:
            same = json.loads(marker.read_text()).get("scale") == scale_key
        except ValueError:
            same = False
    if db == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        if not same:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            marker.unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not same:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            marker.unlink(missing_ok=True)


# --- measuring (inside Django) -------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}/{fifteen:.2f}"


def country_supported() -> bool:
    """Whether ``board_values`` takes no unit (= the whole country) in this code base."""
    from tinhso.indicators import selectors

    try:
        selectors.board_values(None, "2025", [ioc_data.element_code(1)])
        return True
    except Exception:
        return False


def board(unit, period, provinces, whole_country: bool) -> dict[str, float | None]:
    """The board's tile values; the country is ``board_values(None, …)`` when supported, else
    one ``values_table`` over the 34 provinces, summed (counts only)."""
    from tinhso.indicators import selectors

    if unit is not None or whole_country:
        tiles = selectors.board_values(unit, period, ioc_data.TILES)
        return {tile["code"]: tile["value"] for tile in tiles}
    table = selectors.values_table(
        codes=ioc_data.TILES, units=provinces, asked=[period, period.previous()]
    )
    found: dict[str, float | None] = {}
    for code in ioc_data.TILES:
        if code not in ioc_data.COUNT_TILES:
            found[code] = None
            continue
        values = [table[(p.pk, period.id)].get(code) for p in provinces]
        values = [v for v in values if v is not None]
        found[code] = round(sum(values), 2) if values else None
    return found


ZERO_AS_NO_DATA: list[str] = []


def compare(fast: dict, naive: dict, *, codes=None) -> list[str]:
    """The codes whose board value differs from the naive one. A rate whose numerator is 0
    (e.g. no report handled yet) shows "no data" on the board, because the counts leave zeros
    out and an expression whose references are all missing is "no data": those are collected
    in ``ZERO_AS_NO_DATA`` (reported) rather than counted as wrong."""
    wrong = []
    for code in codes or ioc_data.TILES:
        a, b = fast.get(code), naive.get(code)
        if code in ioc_data.COUNT_TILES:  # the board shows a zero count as "no data"
            a, b = a or 0, b or 0
        if a is None and b is None:
            continue
        if a is None and b == 0:
            ZERO_AS_NO_DATA.append(code)
            continue
        if a is None or b is None or abs(a - b) > 0.011 + 1e-9 * abs(b):
            wrong.append(f"{code}: board {a} ≠ naive {b}")
    return wrong


def time_calls(func, runs: int, warm: int = 3) -> list[float]:
    for _ in range(warm):
        func()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def cases():
    """(name, unit or None, period) of the measured boards: the country, the province with
    the most communes and its first commune; the last full year and the last full month."""
    from django.db.models import Count
    from django.utils import timezone

    from tinhso.indicators import periods
    from tinhso.units.models import Unit

    province = (
        Unit.objects.filter(parent__isnull=True, valid_until__isnull=True)
        .annotate(n=Count("children"))
        .order_by("-n", "code")
        .first()
    )
    commune = Unit.objects.filter(parent=province).order_by("code").first()
    today = timezone.localdate()
    month = periods.containing(today, periods.MONTH).previous()
    year = periods.year(today.year - 1)
    found = []
    for name, unit in (("country", None), (f"province {province.code}", province),
                       (f"commune {commune.code}", commune)):  # fmt: skip
        for label, period in (("year", year), ("month", month)):
            found.append((f"{name} / {label} {period.id}", unit, period))
    return found, province, commune


def measure_boards(report: Report, db: str, *, runs: int, naive_runs: int) -> list[str]:
    from tinhso.units.models import Unit

    provinces = list(
        Unit.objects.filter(parent__isnull=True, valid_until__isnull=True).order_by("code")
    )
    whole_country = country_supported()
    if not whole_country:
        report.note(
            "board_values does not take unit=None (the whole country) in this code base yet: "
            "the country board is measured as one values_table over the 34 provinces "
            "(counts summed; rates not compared)."
        )
    mismatches = []
    measured, _province, _commune = cases()
    for name, unit, period in measured:
        fast = board(unit, period, provinces, whole_country)
        naive = ioc_data.naive_values(unit, period)
        codes = None if unit is not None or whole_country else sorted(ioc_data.COUNT_TILES)
        wrong = compare(fast, naive, codes=codes)
        mismatches += [f"{name}: {w}" for w in wrong]
        board_ms = percentiles(
            time_calls(lambda u=unit, p=period: board(u, p, provinces, whole_country), runs)
        )
        naive_ms = percentiles(
            time_calls(lambda u=unit, p=period: ioc_data.naive_values(u, p), naive_runs, warm=1)
        )
        report.row(
            database=db,
            case=name,
            board_p50_ms=board_ms["p50_ms"],
            board_p95_ms=board_ms["p95_ms"],
            runs=board_ms["n"],
            naive_p50_ms=naive_ms["p50_ms"],
            naive_p95_ms=naive_ms["p95_ms"],
            ratio=ratio(naive_ms["p50_ms"], board_ms["p50_ms"]),
            equal="yes" if not wrong else f"NO ({len(wrong)})",
            load=load(),
        )
    return mismatches


def _submitted_dossiers(commune, count: int):
    """``count`` dossiers waiting for receipt at the commune's desk (filed, not received)."""
    from django.utils import timezone

    from tinhso.dossiers.models import Channel, Dossier, Procedure, Status
    from tinhso.units.models import Agency

    agency = Agency.objects.filter(unit=commune).order_by("pk").first()
    procedure = Procedure.objects.filter(current_version__isnull=False).order_by("code").first()
    now = timezone.now()
    return [
        Dossier.objects.create(
            procedure=procedure,
            procedure_version_id=procedure.current_version_id,
            status=Status.SUBMITTED,
            channel=Channel.IN_PERSON,
            applicant_name=f"Người nộp thử {n}",
            unit=commune,
            receiving_agency=agency,
            current_agency=agency,
            submitted_at=now,
        )
        for n in range(count)
    ]


def measure_freshness(report: Report, db: str, commune, *, changes: int, timeout: float) -> dict:
    """Receive dossiers through ``dossiers.services.dossier_receive`` one by one; a second
    thread polls ``board_values`` for the commune's current month until the count moves."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from tinhso.dossiers import services as dossier_services
    from tinhso.indicators import periods, registry, selectors

    month = periods.containing(timezone.localdate(), periods.MONTH)
    code = "dossiers.received"

    def read() -> float:
        tiles = selectors.board_values(commune, month, [code])
        return (tiles[0]["value"] if tiles else None) or 0

    dossiers = _submitted_dossiers(commune, changes)
    after_call, after_start, calls = [], [], []
    stale = 0
    for dossier in dossiers:
        before = read()
        seen: dict[str, float] = {}
        stop = threading.Event()

        def poll(expected=before + 1, seen=seen, stop=stop):
            try:
                while not stop.is_set():
                    if read() >= expected:
                        seen["at"] = time.perf_counter()
                        return
                    time.sleep(0.002)
            finally:
                connection.close()

        poller = threading.Thread(target=poll)
        poller.start()
        started = time.perf_counter()
        with transaction.atomic():
            dossier_services.dossier_receive(acting_user=None, dossier=dossier)
        committed = time.perf_counter()
        poller.join(timeout)
        stop.set()
        poller.join()
        calls.append((committed - started) * 1000)
        if "at" not in seen:
            stale += 1
            if stale >= 2:
                break
            continue
        after_start.append((seen["at"] - started) * 1000)
        after_call.append(max(0.0, seen["at"] - committed) * 1000)
    start_ms, commit_ms, call_ms = (
        percentiles(after_start),
        percentiles(after_call),
        percentiles(calls),
    )
    report.row(
        database=db,
        case=f"freshness: dossier_receive → board ({commune.code}, {month.id})",
        fresh_p50_ms=start_ms["p50_ms"],
        fresh_p95_ms=start_ms["p95_ms"],
        after_commit_p50_ms=commit_ms["p50_ms"],
        after_commit_p95_ms=commit_ms["p95_ms"],
        service_call_p50_ms=call_ms["p50_ms"],
        changes=len(calls),
        not_seen_within_s=f"{stale} (>{timeout:g} s)" if stale else "0",
        refresh=settings.TINHSO_IOC_REFRESH,
        load=load(),
    )
    if stale:
        report.note(
            f"Freshness: {stale} of {len(calls)} dossier receipts did not reach the board within "
            f"{timeout:g} s (refresh mode: {settings.TINHSO_IOC_REFRESH})."
        )
    registry.wait_idle(30)  # leave nothing queued for the next phase
    return {"fresh": start_ms, "stale": stale}


def measure_import(report: Report, db: str, count: int, elements: int) -> dict:
    """``count`` values of the 50 import elements (months × communes × elements) as a DHIS2
    CSV, imported through ``imports.parse_upload`` + ``imports.values_import``."""
    from django.db import connection

    from tinhso.indicators import imports
    from tinhso.units.models import Unit

    with connection.cursor() as cur:
        for table in ("indicators_datavalue", "indicators_aggregate"):
            cur.execute(
                f"DELETE FROM {table} WHERE element_id IN (SELECT id FROM indicators_dataelement "
                f"WHERE code LIKE '{ioc_data.IMPORT_PREFIX}%%')"
            )
    communes = list(
        Unit.objects.filter(
            parent__parent__isnull=True, parent__isnull=False, valid_until__isnull=True
        )
        .order_by("path")
        .values_list("code", flat=True)
    )
    lines = [",".join(imports.CSV_COLUMNS)]
    n = 0
    for year, month in ioc_data.month_list(ioc_data.MONTHS):
        for unit_code in communes:
            for e in range(1, elements + 1):
                if n >= count:
                    break
                code = ioc_data.element_code(e, ioc_data.IMPORT_PREFIX)
                lines.append(f"{code},{year}{month:02d},{unit_code},,,{(n * 37) % 500},,,,")
                n += 1
    path = VAR / f"ioc-import-{n}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/bench yet
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    content = path.read_bytes()
    started = time.perf_counter()
    rows, data_set = imports.parse_upload(content=content, filename=path.name)
    parsed = time.perf_counter()
    summary = imports.values_import(
        acting_user=None, rows=rows, data_set_code=data_set or ioc_data.IMPORT_SET
    )
    done = time.perf_counter()
    seconds = done - started
    report.row(
        database=db,
        case=f"import {n:,} values from CSV ({len(content) / 2**20:.0f} MiB)",
        seconds=round(seconds, 1),
        values_per_s=round(n / seconds),
        parse_s=round(parsed - started, 1),
        imported=summary.get("imported"),
        load=load(),
    )
    return summary


def build(size, state, *, migrate: bool = True, backfill: str = "all"):
    """Generate (or find) the data set, then the computed indicators; returns the commune
    the freshness is measured on."""
    ioc_data.generate(size, state, migrate=migrate)
    measured, _province, commune = cases()
    if not state.done.get("computed"):
        from django.utils import timezone

        from tinhso.units.models import Unit

        today = timezone.localdate()
        days = sorted(
            {p.start + dt.timedelta(days=14) for _n, _u, asked in measured
             for p in (asked, asked.previous())} | {today}
        )  # fmt: skip
        targeted = [*Unit.objects.filter(parent__isnull=True, valid_until__isnull=True), commune]
        spans = None
        if backfill == "board":  # only the months the measured boards and freshness read
            year, month = measured[0][2], measured[1][2]
            spans = [(f"{year.year}-01", f"{year.year}-12"),
                     (f"{month.previous().year}-{month.previous().index:02d}",
                      f"{today.year}-{today.month:02d}")]  # fmt: skip
        ioc_data.step(state, "computed", ioc_data.computed_backfill, state, size,
                      targeted_units=targeted, days=days, months=spans)  # fmt: skip
    return commune


def run_one(
    db: str,
    scale: float,
    *,
    runs: int,
    naive_runs: int,
    changes: int,
    import_values: int = 0,
    backfill: str = "all",
) -> int:
    url, marker = target(db, scale)
    province = None
    size = ioc_data.Scale.of(scale, province=province)
    VAR.mkdir(parents=True, exist_ok=True)
    prepare_database(db, url, marker, size.key())
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    import django

    django.setup()

    report = Report(
        f"ioc_{db}",
        baseline="the same 12 figures by GROUP BY over the raw rows (dossiers, reports, values)",
        title=f"IOC board, freshness and import ({db}, scale {scale:g})",
    )
    report.note(f"Goal: {GOAL}. Load average (1/5/15 min) at start: {load()}.")
    state = ioc_data.State.load(marker, size)
    started = time.perf_counter()
    commune = build(size, state, backfill=backfill)
    generated = time.perf_counter() - started
    done = state.done
    counts = ioc_data.counts(size)
    report.note(
        f"Data set: {counts['provinces']} provinces, {counts['communes']} communes, "
        f"{counts['dossiers']:,} dossiers ({counts['late_dossiers']:,} resolved late), "
        f"{counts['reports']:,} field reports, {counts['entered_values']:,} entered values, "
        f"{counts['aggregates']:,} roll-up rows; scale {scale:g}."
    )
    timings = ", ".join(
        f"{name} {done[name]['seconds']:,.0f} s"
        for name in ("units", "reference", "dossiers", "reports", "values", "rollups", "computed")
        if isinstance(done.get(name), dict)
    )
    report.note(f"Generation (cached after the first run; this run {generated:,.0f} s): {timings}.")
    report.note(f"Computed indicators into the roll-ups via {done['computed'].get('via', '?')}.")
    mismatches = measure_boards(report, db, runs=runs, naive_runs=naive_runs)
    if mismatches:
        report.note("Board ≠ naive: " + "; ".join(mismatches[:12]))
    else:
        report.note("Every board value equals the naive GROUP BY's.")
    if ZERO_AS_NO_DATA:
        report.note(
            "A rate with a zero numerator shows 'no data' on the board where the naive query "
            f"gives 0: {', '.join(sorted(set(ZERO_AS_NO_DATA)))}."
        )
    report.write()  # partial results, in case a later phase is cut short
    measure_freshness(report, db, commune, changes=changes, timeout=5.0)
    report.write()
    measure_import(report, db, import_values or size.import_values, size.elements)
    report.note(f"Load average at the end: {load()} (2 cores shared with other work).")
    report.write()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size")
    parser.add_argument("--quick", action="store_true", help=f"= --scale {QUICK_SCALE}")
    parser.add_argument("--runs", type=int, default=50, help="board runs per case (≥ 50)")
    parser.add_argument("--naive-runs", type=int, default=5)
    parser.add_argument("--changes", type=int, default=20, help="dossier state changes")
    parser.add_argument(
        "--backfill",
        choices=["all", "board"],
        default="all",
        help="computed indicators for every month (default) or only the months measured",
    )
    parser.add_argument(
        "--import-values", type=int, default=0, help="values in the CSV import (default: scale)"
    )
    args = parser.parse_args(argv)
    scale = QUICK_SCALE if args.quick else args.scale
    db = args.db or ("both" if postgres_reachable() else "sqlite")
    if db == "both":
        status = 0
        for one in ("sqlite", "postgres"):
            command = [sys.executable, __file__, "--db", one, "--scale", str(scale),
                       "--runs", str(args.runs), "--naive-runs", str(args.naive_runs),
                       "--changes", str(args.changes),
                       "--import-values", str(args.import_values),
                       "--backfill", args.backfill]  # fmt: skip
            status |= subprocess.call(command)  # noqa: S603 - our own script
        return status
    return run_one(
        db,
        scale,
        runs=args.runs,
        naive_runs=args.naive_runs,
        changes=args.changes,
        import_values=args.import_values,
        backfill=args.backfill,
    )


if __name__ == "__main__":
    sys.exit(main())
