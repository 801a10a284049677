"""The national IOC data set of the benchmark (``bench/bench_ioc.py``), written straight into the
real tables with bulk SQL, and the naive GROUP BY baseline over the raw rows.

What it makes (at ``scale`` 1.0): the 34 provinces and 3,321 communes of the national list
(``tinhso.units`` loader), one agency per province and commune, the 24 real procedures, a few
report categories, 10 million dossiers and 1 million field reports spread over
2024-01-01 .. the generation day, and 50 entered data elements with a value every month for
every commune (≈ 6 million ``DataValue`` rows) with their roll-ups built by
``tinhso.indicators.rollups.refresh`` (the same fold ``rebuild_paths`` runs). The values the
platform computes from dossiers and reports go into the roll-ups through the platform's own
path (``computed_backfill``).

Every column that is NOT NULL gets a realistic value: statuses, channels, received / resolved
/ due dates, a share resolved late (≈ 9 %), agencies on provinces and communes. Rows come from
deterministic hashes of their id (the same data set on SQLite and PostgreSQL), so the naive
GROUP BY and the roll-ups can be compared value for value.

Resumable: ``state`` (a JSON file next to the database) records the finished steps and the
scale; a step already done for the same scale is skipped, a chunked step resumes after its
last committed chunk.
"""

# ruff: noqa: S608 - the SQL is built from the benchmark's own constants and ids, never input
from __future__ import annotations

import datetime as dt
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

FULL_DOSSIERS = 10_000_000
FULL_REPORTS = 1_000_000
FULL_IMPORT_VALUES = 1_000_000
ELEMENTS = 50
AVERAGE_EVERY = 5  # every 5th entered element is an average (a rate), the others sums
FIRST_MONTH = (2024, 1)
MONTHS = 36
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = 86_400

ENTERED_PREFIX = "BENCH_E"
IMPORT_PREFIX = "BENCH_I"
IMPORT_SET = "BENCH_IMPORT"
RATIO_INDICATOR = "BENCH_RATIO"  # 100 × E01 / E02

# The 12 tiles of the board. Computed ones (published by the dossiers and feedback rooms) and
# entered ones (sums, an average and an indicator over them).
COMPUTED_TILES = [
    "dossiers.received",
    "dossiers.received_online",
    "dossiers.resolved",
    "dossiers.late",
    "dossiers.on_time_rate",
    "feedback.received",
    "feedback.handled",
    "feedback.handled_rate",
]
ENTERED_TILES = [f"{ENTERED_PREFIX}01", f"{ENTERED_PREFIX}02", f"{ENTERED_PREFIX}05"]
TILES = [*COMPUTED_TILES, *ENTERED_TILES, RATIO_INDICATOR]
COUNT_TILES = {
    "dossiers.received",
    "dossiers.received_online",
    "dossiers.resolved",
    "dossiers.late",
    "feedback.received",
    "feedback.handled",
    f"{ENTERED_PREFIX}01",
    f"{ENTERED_PREFIX}02",
}


def element_code(n: int, prefix: str = ENTERED_PREFIX) -> str:
    return f"{prefix}{n:02d}"


@dataclass
class Scale:
    """How much to generate; ``province`` narrows the units to one province (tests)."""

    dossiers: int
    reports: int
    import_values: int
    months: int = MONTHS
    province: str | None = None
    elements: int = ELEMENTS

    @classmethod
    def of(cls, fraction: float, *, province: str | None = None, months: int = MONTHS) -> Scale:
        return cls(
            dossiers=max(100, round(FULL_DOSSIERS * fraction)),
            reports=max(50, round(FULL_REPORTS * fraction)),
            import_values=max(50, round(FULL_IMPORT_VALUES * fraction)),
            months=months,
            province=province,
            # A small run keeps the 5 entered elements the board reads (E01..E05).
            elements=ELEMENTS if fraction >= 0.1 else 5,
        )

    def key(self) -> dict:
        return asdict(self)


@dataclass
class State:
    """The generation's progress, kept in a JSON file so a second run measures only."""

    path: Path | None
    scale: dict = field(default_factory=dict)
    done: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None, scale: Scale) -> State:
        if path is not None and path.exists():
            data = json.loads(path.read_text())
            if data.get("scale") == scale.key():
                return cls(path, data["scale"], data.get("done", {}))
        return cls(path, scale.key(), {})

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps({"scale": self.scale, "done": self.done}, indent=1))

    def mark(self, step: str, value=True) -> None:
        self.done[step] = value
        self.save()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- dialects ----------------------------------------------------------------------------------


class Sql:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, vendor: str) -> None:
        self.pg = vendor == "postgresql"

    def ts(self, epoch: str) -> str:
        return f"to_timestamp({epoch})" if self.pg else f"datetime({epoch}, 'unixepoch')"

    def pad(self, expr: str, width: int) -> str:
        return (
            f"lpad(CAST({expr} AS TEXT), {width}, '0')"
            if self.pg
            else f"printf('%0{width}d', {expr})"
        )

    def yymmdd(self, epoch: str) -> str:
        # The code's day is the local day of receipt.
        local = f"{epoch} + 25200"
        if self.pg:
            return f"to_char(to_timestamp({local}) AT TIME ZONE 'UTC', 'YYMMDD')"
        return f"substr(strftime('%Y%m%d', {local}, 'unixepoch'), 3)"

    def json(self, literal: str) -> str:
        return f"CAST('{literal}' AS jsonb)" if self.pg else f"'{literal}'"

    def uuid(self, expr: str) -> str:
        if self.pg:
            return f"CAST(lpad(to_hex({expr}), 32, '0') AS uuid)"
        return f"printf('%032x', {expr})"

    def series(self, low: int, high: int) -> tuple[str, str]:
        """(WITH prefix, FROM item) of the integers low..high as ``s.g``."""
        if self.pg:
            return "", f"generate_series({low}::bigint, {high}::bigint) AS s(g)"
        return (
            f"WITH RECURSIVE s(g) AS (SELECT {low} UNION ALL "
            f"SELECT g + 1 FROM s WHERE g < {high}) ",
            "s",
        )

    def now(self) -> str:
        return "now()" if self.pg else "datetime('now')"


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def start_epoch() -> int:
    return epoch(dt.datetime(*FIRST_MONTH, 1, tzinfo=LOCAL))


def month_list(count: int) -> list[tuple[int, int]]:
    year, month = FIRST_MONTH
    found = []
    for _ in range(count):
        found.append((year, month))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return found


# --- the steps ---------------------------------------------------------------------------------


def _cursor():
    from django.db import connection

    return connection.cursor()


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def step(state: State, name: str, func, *args, **kwargs):
    if state.done.get(name):
        log(f"{name}: already done")
        return state.done[name]
    started = time.perf_counter()
    log(f"{name}: …")
    result = func(*args, **kwargs)
    seconds = round(time.perf_counter() - started, 1)
    log(f"{name}: done in {seconds} s")
    state.mark(
        name,
        {"seconds": seconds, **(result or {})}
        if isinstance(result, dict)
        else {"seconds": seconds},
    )
    return state.done[name]


def load_units(scale: Scale) -> dict:
    from tinhso.units import services

    report = services.units_load_from_package(province=scale.province)
    return {"provinces": report.provinces_created, "communes": report.communes_created}


def _agency_code(kind: str, number: int, province_index: int) -> str:
    if kind == "province":
        return f"000.00.{province_index:02d}.H{province_index:02d}"
    return f"C{number // 100:02d}.{number % 100:02d}.{province_index:02d}.X{province_index:02d}"


def load_reference(scale: Scale) -> dict:
    """Agencies on every province and commune, the procedure catalogue, report categories,
    the entered and imported data elements, the import data set, the ratio indicator and the
    computed elements of the registry."""
    from django.db import transaction

    from tinhso.dossiers import catalogue
    from tinhso.feedback import services as feedback_services
    from tinhso.feedback.models import Category
    from tinhso.indicators import loaders, registry
    from tinhso.indicators import services as indicator_services
    from tinhso.indicators.models import AggregationType, DataSet
    from tinhso.kernel.text import fold
    from tinhso.units.models import Agency, Unit

    with transaction.atomic():
        provinces = list(
            Unit.objects.filter(parent__isnull=True, valid_until__isnull=True).order_by("code")
        )
        agencies = []
        number = 0
        for index, province in enumerate(provinces, start=1):
            name = f"Ủy ban nhân dân {province.name}"
            agencies.append(
                Agency(
                    unit=province, code=_agency_code("province", 0, index), name=name,
                    kind=Agency.Kind.UBND_TINH, search_name=fold(name),
                )
            )  # fmt: skip
            for commune in Unit.objects.filter(parent=province).order_by("code"):
                number += 1
                name = f"Ủy ban nhân dân {commune.name}"
                agencies.append(
                    Agency(
                        unit=commune, code=_agency_code("commune", number, index), name=name,
                        kind=Agency.Kind.UBND_XA, search_name=fold(name),
                    )
                )  # fmt: skip
        Agency.objects.bulk_create(agencies, batch_size=2000)
        catalogue.catalogue_load_json(acting_user=None)
        categories = [
            ("bench-ha-tang", "Hạ tầng giao thông", 10),
            ("bench-moi-truong", "Môi trường, rác thải", 7),
            ("bench-trat-tu", "Trật tự đô thị", 5),
            ("bench-cap-nuoc", "Cấp nước, thoát nước", 10),
            ("bench-an-ninh", "An ninh trật tự", 3),
        ]
        if not Category.objects.filter(service_code="bench").exists():
            group = feedback_services.category_create(
                acting_user=None, service_code="bench", name="Phản ánh hiện trường"
            )
            for code, name, days in categories:
                feedback_services.category_create(
                    acting_user=None, service_code=code, name=name, parent=group,
                    handling_days=days,
                )  # fmt: skip
        for n in range(1, scale.elements + 1):
            average = n % AVERAGE_EVERY == 0
            indicator_services.data_element_define(
                acting_user=None,
                code=element_code(n),
                name=f"Chỉ tiêu nhập {n:02d}" + (" (tỷ lệ %)" if average else ""),
                aggregation=AggregationType.AVERAGE if average else AggregationType.SUM,
                measure="%" if average else "lượt",
            )
            indicator_services.data_element_define(
                acting_user=None,
                code=element_code(n, IMPORT_PREFIX),
                name=f"Chỉ tiêu nhập từ tệp {n:02d}",
                aggregation=AggregationType.SUM,
                measure="lượt",
            )
        if not DataSet.objects.filter(code=IMPORT_SET).exists():
            indicator_services.data_set_define(
                acting_user=None,
                code=IMPORT_SET,
                name="Báo cáo tháng nhập từ tệp (benchmark)",
                period_type="month",
                elements=[element_code(n, IMPORT_PREFIX) for n in range(1, scale.elements + 1)],
            )
        indicator_services.indicator_define(
            acting_user=None,
            code=RATIO_INDICATOR,
            name="Tỷ lệ chỉ tiêu 01 trên chỉ tiêu 02",
            numerator=f"#{{{element_code(1)}}}",
            denominator=f"#{{{element_code(2)}}}",
            factor=100,
            measure="%",
            decimals=2,
        )
        registry.sync_elements()
        catalogue_report = loaders.load_all()["catalogue"]
    return {"agencies": len(agencies), "catalogue": catalogue_report}


def _lookup_tables(cur, sql: Sql) -> dict:
    """Dense lookup tables (index → commune, procedure, category) the bulk inserts join."""
    from tinhso.dossiers.models import Procedure
    from tinhso.feedback.models import Category
    from tinhso.units.models import Agency, Unit

    temp = "TEMP "
    for table in ("bench_communes", "bench_procs", "bench_cats"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(
        f"CREATE {temp}TABLE bench_communes (idx INTEGER PRIMARY KEY, unit_id BIGINT, "
        "agency_id BIGINT, agency_code VARCHAR(20), province_unit_id BIGINT, "
        "province_agency_id BIGINT, province_agency_code VARCHAR(20), path VARCHAR(255), "
        "code VARCHAR(20))"
    )
    agencies = {
        a.unit_id: a
        for a in Agency.objects.filter(kind__in=[Agency.Kind.UBND_TINH, Agency.Kind.UBND_XA])
    }
    communes = list(
        Unit.objects.filter(
            parent__parent__isnull=True, parent__isnull=False, valid_until__isnull=True
        )
        .select_related("parent")
        .order_by("path")
    )
    rows = []
    for idx, commune in enumerate(communes):
        own, top = agencies[commune.pk], agencies[commune.parent_id]
        rows.append(
            (idx, commune.pk, own.pk, own.code, commune.parent_id, top.pk, top.code, commune.path,
             commune.code)
        )  # fmt: skip
    cur.executemany("INSERT INTO bench_communes VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    cur.execute(
        f"CREATE {temp}TABLE bench_procs (idx INTEGER PRIMARY KEY, procedure_id BIGINT, "
        "version_id BIGINT, days INTEGER, online INTEGER)"
    )
    procs = list(Procedure.objects.filter(current_version__isnull=False).order_by("code"))
    cur.executemany(
        "INSERT INTO bench_procs VALUES (%s, %s, %s, %s, %s)",
        [
            (i, p.pk, p.current_version_id, max(1, p.processing_days), int(p.online_mode == "full"))
            for i, p in enumerate(procs)
        ],
    )
    cur.execute(
        f"CREATE {temp}TABLE bench_cats (idx INTEGER PRIMARY KEY, category_id BIGINT, days INTEGER)"
    )
    cats = list(Category.objects.filter(parent__service_code="bench").order_by("service_code"))
    cur.executemany(
        "INSERT INTO bench_cats VALUES (%s, %s, %s)",
        [(i, c.pk, c.handling_days) for i, c in enumerate(cats)],
    )
    return {"communes": len(communes), "procs": len(procs), "cats": len(cats)}


def _secondary_indexes(cur, sql: Sql, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes a bulk load may drop and rebuild."""
    if sql.pg:
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND i.indexname NOT IN (SELECT conname FROM pg_constraint)",
            [table],
        )
    else:
        cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
    return list(cur.fetchall())


def _bulk_load(state: State, name: str, table: str, total: int, chunk: int, insert) -> dict:
    """Insert ``total`` rows with ids 1..total in chunks (one transaction each), secondary
    indexes dropped during a big load (≥ 100,000 rows) and rebuilt after; resumes after the
    last chunk."""
    from django.db import connection, transaction

    sql = Sql(connection.vendor)
    key = f"{name}:indexes"
    with connection.cursor() as cur:
        if key not in state.done:
            state.mark(key, _secondary_indexes(cur, sql, table) if total >= 100_000 else [])
        for index_name, _create in state.done[key]:
            cur.execute(f'DROP INDEX IF EXISTS "{index_name}"')
        info = _lookup_tables(cur, sql)
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        done = cur.fetchone()[0]
        started = time.perf_counter()
        low = done + 1
        while low <= total:
            high = min(total, low + chunk - 1)
            with transaction.atomic(), connection.cursor() as inner:
                if sql.pg:
                    inner.execute("SET LOCAL session_replication_role = replica")
                inner.execute(insert(sql, low, high, info))
            rate = (high - done) / max(1e-9, time.perf_counter() - started)
            log(f"{name}: {high:,}/{total:,} rows ({rate:,.0f} rows/s)")
            low = high + 1
        log(f"{name}: rebuilding {len(state.done[key])} indexes")
        for _index_name, create in state.done[key]:
            cur.execute(
                create.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(
                    "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1
                )
            )
        if sql.pg:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
            cur.execute(f"ANALYZE {table}")
        else:
            cur.execute(f"ANALYZE {table}")
    return {"rows": total}


def _dossier_insert(t1: int):
    t0 = start_epoch()
    span = t1 - t0

    def insert(sql: Sql, low: int, high: int, info: dict) -> str:
        with_, source = sql.series(low, high)
        nc, np_ = info["communes"], info["procs"]
        resolved_cond = "r.res IS NOT NULL"
        return f"""
        {with_}
        INSERT INTO dossiers_dossier (
            id, code, status, channel, applicant_kind, applicant_name, applicant_cccd,
            applicant_tax_code, organisation_name, applicant_phone, applicant_email,
            applicant_address, form_data, created_at, updated_at, submitted_at, received_at,
            legal_due_at, due_at, resolved_at, returned_at, closed_at, classification,
            fee_amount, fee_items, paid_online, result_delivery, result_title,
            returned_electronically, returned_on_paper, digitised, rating, rating_comment,
            rated_at, current_agency_id, receiving_agency_id, unit_id, procedure_id,
            procedure_version_id
        )
        SELECT
            r.g,
            CASE WHEN r.refused THEN '' ELSE r.agency_code || '-' || {sql.yymmdd("r.recv")}
                 || '-' || {sql.pad("r.g", 8)} END,
            CASE WHEN r.refused THEN 'refused'
                 WHEN {resolved_cond} AND r.b < 900 THEN 'returned'
                 WHEN {resolved_cond} THEN 'result_ready'
                 WHEN r.b % 3 = 0 THEN 'received'
                 ELSE 'processing' END,
            CASE WHEN r.online THEN 'online' ELSE 'in_person' END,
            CASE WHEN r.g % 10 = 0 THEN 'business' ELSE 'citizen' END,
            'Người nộp ' || CAST(r.g AS TEXT),
            {sql.pad("r.g % 1000000000000", 12)}, '', '', '', '', '', {sql.json("{}")},
            {sql.ts("r.recv - 3600")}, {sql.ts("COALESCE(r.res, r.recv)")},
            {sql.ts("r.recv - 3600")},
            CASE WHEN r.refused THEN NULL ELSE {sql.ts("r.recv")} END,
            CASE WHEN r.refused THEN NULL ELSE {sql.ts("r.recv + r.legal")} END,
            CASE WHEN r.refused THEN NULL ELSE {sql.ts("r.recv + r.legal")} END,
            CASE WHEN {resolved_cond} THEN {sql.ts("r.res")} END,
            CASE WHEN {resolved_cond} AND r.b < 900 THEN {sql.ts("r.res + 3600")} END,
            CASE WHEN r.refused THEN {sql.ts("r.recv")}
                 WHEN {resolved_cond} AND r.b < 900 THEN {sql.ts("r.res + 3600")} END,
            CASE WHEN NOT ({resolved_cond}) THEN ''
                 WHEN r.res - r.recv > r.legal THEN 'late'
                 WHEN (r.res - r.recv) * 10 < r.legal * 7 THEN 'early'
                 ELSE 'on_time' END,
            CASE WHEN r.g % 4 = 0 THEN 50000 ELSE 0 END, {sql.json("[]")},
            CASE WHEN r.g % 4 = 0 THEN (r.g % 8 = 0) END,
            'both', '',
            CASE WHEN {resolved_cond} AND r.b < 900 THEN (r.g % 10 < 4) END,
            CASE WHEN {resolved_cond} AND r.b < 900 THEN (r.g % 10 >= 4) END,
            (r.g * 17 % 10 < 6),
            CASE WHEN {resolved_cond} AND r.b < 900 AND r.g % 10 < 3 THEN 1 + r.g * 7 % 5 END,
            '',
            CASE WHEN {resolved_cond} AND r.b < 900 AND r.g % 10 < 3
                 THEN {sql.ts("r.res + 7200")} END,
            r.agency_id, r.agency_id, r.unit_id, r.procedure_id, r.version_id
        FROM (
            SELECT q.*,
                CASE WHEN NOT q.refused AND q.recv + q.dur < {t1} THEN q.recv + q.dur END AS res
            FROM (
                SELECT
                    s.g AS g,
                    {t0} + (s.g * 2654435761) % {span} AS recv,
                    (s.g * 1103515245 + 12345) % 1000 AS b,
                    (s.g * 1103515245 + 12345) % 1000 < 15 AS refused,
                    (s.g * 31 % 100) < 55 AS online,
                    p.days * 120960 AS legal,
                    p.days * 120960 * ((s.g * 48271) % 110) / 100 + 3600 AS dur,
                    CASE WHEN s.g % 5 = 0 THEN c.province_agency_id ELSE c.agency_id END
                        AS agency_id,
                    CASE WHEN s.g % 5 = 0 THEN c.province_agency_code ELSE c.agency_code END
                        AS agency_code,
                    CASE WHEN s.g % 5 = 0 THEN c.province_unit_id ELSE c.unit_id END AS unit_id,
                    p.procedure_id AS procedure_id, p.version_id AS version_id
                FROM {source}
                JOIN bench_communes c ON c.idx = (s.g * 2246822519) % {nc}
                JOIN bench_procs p ON p.idx = (s.g * 7 + s.g / 13) % {np_}
            ) q
        ) r
        """

    return insert


def _report_insert(t1: int):
    t0 = start_epoch()
    span = t1 - t0

    def insert(sql: Sql, low: int, high: int, info: dict) -> str:
        with_, source = sql.series(low, high)
        nc, ncat = info["communes"], info["cats"]
        answered = "r.handled IS NOT NULL"
        channels = (
            "CASE r.g % 6 WHEN 0 THEN 'portal' WHEN 1 THEN 'api' WHEN 2 THEN 'hotline' "
            "WHEN 3 THEN 'open311' WHEN 4 THEN 'zalo' ELSE 'in_person' END"
        )
        return f"""
        {with_}
        INSERT INTO feedback_report (
            id, code, token, channel, description, attributes, address, address_id,
            contact_name, contact_email, contact_phone, is_anonymous, device_id, account_id,
            media_url, source_ref, status, is_public, received_at, handling_days, day_kind,
            updated_at, handled_at, closed_at, deadline, original_deadline, extension_days,
            public_answer, answered_at, rating, rating_comment, rated_at, agency_id,
            category_id, commune_id
        )
        SELECT
            r.g, 'PA' || {sql.pad("r.g", 10)}, {sql.uuid("r.g")}, {channels},
            'Phản ánh hiện trường số ' || CAST(r.g AS TEXT), {sql.json("{}")}, '', '',
            'Người phản ánh', '', '', (r.g % 20 = 0), '', '', '', '',
            CASE WHEN {answered} AND r.b < 80 THEN 'handled'
                 WHEN {answered} THEN 'closed'
                 WHEN r.b < 84 THEN 'rejected_spam'
                 WHEN r.b < 88 THEN 'rejected_not_competent'
                 WHEN r.b % 2 = 0 THEN 'in_progress'
                 ELSE 'accepted' END,
            TRUE, {sql.ts("r.recv")}, r.days, 'working', {sql.ts("COALESCE(r.handled, r.recv)")},
            CASE WHEN {answered} THEN {sql.ts("r.handled")} END,
            CASE WHEN {answered} AND r.b >= 80 THEN {sql.ts("r.handled + 86400")} END,
            {sql.ts("r.recv + r.legal")}, {sql.ts("r.recv + r.legal")}, 0,
            CASE WHEN {answered} THEN 'Đã xử lý, trả lời người phản ánh.' ELSE '' END,
            CASE WHEN {answered} THEN {sql.ts("r.handled")} END,
            CASE WHEN {answered} AND r.g % 4 = 0 THEN 1 + r.g * 3 % 5 END, '',
            CASE WHEN {answered} AND r.g % 4 = 0 THEN {sql.ts("r.handled + 7200")} END,
            r.agency_id, r.category_id, r.commune_id
        FROM (
            SELECT q.*,
                CASE WHEN q.b < 75 AND q.recv + q.dur < {t1} THEN q.recv + q.dur END AS handled
            FROM (
                SELECT
                    s.g AS g,
                    {t0} + (s.g * 2654435761) % {span} AS recv,
                    (s.g * 7919) % 100 AS b,
                    k.days AS days,
                    k.days * 120960 AS legal,
                    k.days * 120960 * ((s.g * 48271) % 120) / 100 + 3600 AS dur,
                    CASE WHEN s.g % 10 < 7 THEN c.agency_id ELSE c.province_agency_id END
                        AS agency_id,
                    k.category_id AS category_id, c.unit_id AS commune_id
                FROM {source}
                JOIN bench_communes c ON c.idx = (s.g * 2246822519) % {nc}
                JOIN bench_cats k ON k.idx = (s.g * 13 + s.g / 7) % {ncat}
            ) q
        ) r
        """

    return insert


def value_expr(unit: str, element: str, month: str, average: str) -> str:
    """The deterministic value of an entered element: a count 0..999, or a rate 0..100."""
    base = f"(({unit} * 7919 + {element} * 104729 + {month} * 1299709) %% 10007)"
    rate = f"CAST({base} AS DOUBLE PRECISION) / 100.07"
    return f"CASE WHEN {average} THEN {rate} ELSE {base} %% 1000 END"


def load_values(state: State, scale: Scale) -> dict:
    """The entered values: every commune × every entered element × every month."""
    from django.db import connection, transaction

    from tinhso.indicators.models import AggregationType, DataElement

    sql = Sql(connection.vendor)
    elements = list(
        DataElement.objects.filter(code__startswith=ENTERED_PREFIX).values_list("pk", "aggregation")
    )
    real = "DOUBLE PRECISION" if sql.pg else "REAL"
    total = 0
    with connection.cursor() as cur:
        _lookup_tables(cur, sql)
        cur.execute("DROP TABLE IF EXISTS bench_elements")
        cur.execute("CREATE TEMP TABLE bench_elements (element_id BIGINT, average INTEGER)")
        cur.executemany(
            "INSERT INTO bench_elements VALUES (%s, %s)",
            [(pk, int(agg == AggregationType.AVERAGE)) for pk, agg in elements],
        )
        for index, (year, month) in enumerate(month_list(scale.months)):
            period = f"{year}{month:02d}"
            key = f"values:{period}"
            if state.done.get(key):
                continue
            with transaction.atomic(), connection.cursor() as inner:
                inner.execute(
                    "DELETE FROM indicators_datavalue WHERE period = %s AND element_id IN "
                    "(SELECT element_id FROM bench_elements)",
                    [period],
                )
                expr = value_expr("c.unit_id", "e.element_id", str(index), "e.average = 1")
                inner.execute(
                    f"""INSERT INTO indicators_datavalue (element_id, combo, unit_id,
                            unit_path, period, period_type, period_start, value, comment,
                            origin, updated_at)
                        SELECT e.element_id, '', c.unit_id, c.path, %s, 'month', %s,
                            CAST({expr} AS {real}), '', 'imported', {sql.now()}
                        FROM bench_communes c CROSS JOIN bench_elements e""",
                    [period, dt.date(year, month, 1)],
                )
                total += inner.rowcount
            state.mark(key)
            log(f"values: {period} written")
        cur.execute("ANALYZE indicators_datavalue")
    return {"rows": total}


def build_rollups(state: State, scale: Scale) -> dict:
    """The roll-ups (``Aggregate`` rows) of the entered values, built in bulk with one
    ``INSERT … SELECT … GROUP BY`` per month and level: each commune's own value and each
    province's sum / count / min / max over its communes, in both views (no unit is retired
    here, so "reported" = "current"). This is what ``rollups.refresh(all_units=True)`` (the
    fold ``rebuild_paths`` runs) writes; the smoke test checks the two agree row for row. The
    platform's own Python fold writes ~336,000 rows per month at full scale, which takes hours
    on a shared 2-core machine; the computed indicators and the CSV import still go through it.
    """
    from django.db import connection, transaction

    sql = Sql(connection.vendor)
    written = 0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM indicators_dataelement WHERE code LIKE %s", [f"{ENTERED_PREFIX}%"]
        )
        ids = ", ".join(str(row[0]) for row in cur.fetchall())
    views = "(SELECT 'reported' AS view UNION ALL SELECT 'current' AS view) w"
    for year, month in month_list(scale.months):
        period = f"{year}{month:02d}"
        key = f"rollups:{period}"
        if state.done.get(key):
            continue
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"DELETE FROM indicators_aggregate WHERE period = %s AND element_id IN ({ids})",
                [period],
            )
            for owner, join in (
                ("v.unit_id", ""),
                ("u.parent_id", " JOIN units_unit u ON u.id = v.unit_id"),
            ):
                cur.execute(
                    f"""INSERT INTO indicators_aggregate (combo, period, view, total, count,
                        minimum, maximum, updated_at, unit_id, element_id)
                    SELECT '', v.period, w.view, SUM(v.value), COUNT(*), MIN(v.value),
                        MAX(v.value), {sql.now()}, {owner}, v.element_id
                    FROM indicators_datavalue v{join} CROSS JOIN {views}
                    WHERE v.period = %s AND v.element_id IN ({ids})
                    GROUP BY v.period, w.view, {owner}, v.element_id""",
                    [period],
                )
                written += cur.rowcount
        state.mark(key)
        log(f"rollups: {period} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE indicators_aggregate")
    return {"aggregates": written}


def platform_rollups(period: str) -> int:
    """``rollups.refresh`` (the platform's fold) of the entered elements for ``period`` over
    every unit: what ``build_rollups`` must equal."""
    from django.db import transaction

    from tinhso.indicators import rollups
    from tinhso.indicators.models import DataElement
    from tinhso.units.models import Unit

    element_ids = DataElement.objects.filter(code__startswith=ENTERED_PREFIX).values_list(
        "pk", flat=True
    )
    with transaction.atomic():
        return rollups.refresh(
            element_ids=list(element_ids), periods=[period], units=Unit.objects.all(),
            all_units=True,
        )  # fmt: skip


# --- the computed indicators --------------------------------------------------------------------


def backfill_available() -> str | None:
    """How the platform backfills computed indicators here: the ``indicators_backfill``
    command when it exists, else None."""
    from django.core.management import get_commands

    return "indicators_backfill" if "indicators_backfill" in get_commands() else None


def computed_backfill(
    state: State, scale: Scale, *, targeted_units, days, months: list[tuple[str, str]] | None = None
) -> dict:
    """Every computed indicator into the roll-ups through the platform's own path: the
    ``indicators_backfill`` command when it exists; otherwise ``registry.computed_refresh``
    for the units and days the benchmark reads (the registry's per-unit path)."""
    from django.core.management import call_command

    command = backfill_available()
    if command:
        spans = months or [(f"{FIRST_MONTH[0]}-{FIRST_MONTH[1]:02d}", None)]
        for since, until in spans:
            call_command(command, since=since, **({"until": until} if until else {}))
        shown = "; ".join(f"--since {a}" + (f" --until {b}" if b else "") for a, b in spans)
        return {"via": f"tinhso {command} {shown}"}
    from tinhso.indicators import registry

    for unit in targeted_units:
        for day in days:
            registry.computed_refresh(unit=unit, day=day, upwards=False)
    return {"via": "registry.computed_refresh (targeted units and days)"}


# --- the measured cases and the naive baseline ---------------------------------------------------


def local_bounds(period) -> tuple[dt.datetime, dt.datetime]:
    low = dt.datetime.combine(period.start, dt.time.min, tzinfo=LOCAL).astimezone(dt.UTC)
    high = dt.datetime.combine(
        period.end + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL
    ).astimezone(dt.UTC)
    return low, high


def _param(moment: dt.datetime, sql: Sql):
    return moment if sql.pg else moment.strftime("%Y-%m-%d %H:%M:%S")


def naive_values(unit, period) -> dict[str, float | None]:
    """The 12 tiles for ``unit`` (None = the whole country) and ``period``, straight from the
    raw rows with GROUP BY: dossiers, reports and entered values (the baseline)."""
    from django.db import connection

    from tinhso.indicators.models import AggregationType, DataElement
    from tinhso.units.models import subtree_bounds

    sql = Sql(connection.vendor)
    low, high = local_bounds(period)
    a, b = _param(low, sql), _param(high, sql)
    if unit is None:
        dossier_where, report_where, value_where, extra = "", "", "", []
    else:
        lo, hi = subtree_bounds(unit.path)
        dossier_where = (
            " AND d.unit_id IN (SELECT id FROM units_unit WHERE path >= %s AND path < %s)"
        )
        report_where = (
            " AND r.commune_id IN (SELECT id FROM units_unit WHERE path >= %s AND path < %s)"
        )
        value_where = " AND v.unit_path >= %s AND v.unit_path < %s"
        extra = [lo, hi]
    found: dict[str, float | None] = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT d.channel, COUNT(*) FROM dossiers_dossier d "
            f"WHERE d.received_at >= %s AND d.received_at < %s{dossier_where} GROUP BY d.channel",
            [a, b, *extra],
        )
        by_channel = dict(cur.fetchall())
        found["dossiers.received"] = sum(by_channel.values())
        found["dossiers.received_online"] = by_channel.get("online", 0)
        cur.execute(
            "SELECT d.classification, COUNT(*) FROM dossiers_dossier d "
            "WHERE d.resolved_at >= %s AND d.resolved_at < %s "
            f"AND d.status IN ('result_ready', 'returned'){dossier_where} "
            "GROUP BY d.classification",
            [a, b, *extra],
        )
        by_class = dict(cur.fetchall())
        resolved = sum(by_class.values())
        found["dossiers.resolved"] = resolved
        found["dossiers.late"] = by_class.get("late", 0)
        good = by_class.get("early", 0) + by_class.get("on_time", 0)
        found["dossiers.on_time_rate"] = round(100 * good / resolved, 2) if resolved else None
        cur.execute(
            "SELECT (r.status IN ('handled', 'closed') AND r.handled_at IS NOT NULL) AS done, "
            "COUNT(*) FROM feedback_report r "
            f"WHERE r.received_at >= %s AND r.received_at < %s{report_where} GROUP BY 1",
            [a, b, *extra],
        )
        by_done = {bool(k): v for k, v in cur.fetchall()}
        received = sum(by_done.values())
        found["feedback.received"] = received
        found["feedback.handled"] = by_done.get(True, 0)
        found["feedback.handled_rate"] = (
            round(100.0 * by_done.get(True, 0) / received, 2) if received else None
        )
        elements = {
            e.pk: e
            for e in DataElement.objects.filter(
                code__in=[*ENTERED_TILES, element_code(1), element_code(2)]
            )
        }
        months = [p.id for p in period.sub_periods() if p.type == "month"]
        marks = ", ".join(["%s"] * len(months))
        ids = ", ".join(str(pk) for pk in elements)
        cur.execute(
            "SELECT v.element_id, SUM(v.value), COUNT(*) FROM indicators_datavalue v "
            f"WHERE v.element_id IN ({ids}) AND v.period IN ({marks}){value_where} "
            "GROUP BY v.element_id",
            [*months, *extra],
        )
        sums = {pk: (total, count) for pk, total, count in cur.fetchall()}
    by_code = {}
    for pk, element in elements.items():
        total, count = sums.get(pk, (None, 0))
        if not count:
            by_code[element.code] = None
        elif element.aggregation == AggregationType.AVERAGE:
            by_code[element.code] = total / count
        else:
            by_code[element.code] = total
    for code in ENTERED_TILES:
        found[code] = None if by_code.get(code) is None else round(by_code[code], 2)
    num, den = by_code.get(element_code(1)), by_code.get(element_code(2))
    found[RATIO_INDICATOR] = round(100 * num / den, 2) if num is not None and den else None
    return found


def counts(scale: Scale) -> dict[str, int]:
    """How many rows the data set holds (asserted by the smoke test)."""
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for name, query in {
            "provinces": "SELECT COUNT(*) FROM units_unit WHERE parent_id IS NULL",
            "communes": "SELECT COUNT(*) FROM units_unit u WHERE u.parent_id IN "
            "(SELECT id FROM units_unit WHERE parent_id IS NULL)",
            "dossiers": "SELECT COUNT(*) FROM dossiers_dossier",
            "reports": "SELECT COUNT(*) FROM feedback_report",
            "entered_values": "SELECT COUNT(*) FROM indicators_datavalue v JOIN "
            "indicators_dataelement e ON e.id = v.element_id "
            f"WHERE e.code LIKE '{ENTERED_PREFIX}%%'",
            "aggregates": "SELECT COUNT(*) FROM indicators_aggregate",
            "late_dossiers": "SELECT COUNT(*) FROM dossiers_dossier WHERE classification = 'late'",
        }.items():
            cur.execute(query)
            out[name] = cur.fetchone()[0]
    return out


def generate(
    scale: Scale, state: State, *, now: dt.datetime | None = None, migrate: bool = True
) -> dict:
    """Every generation step, skipping those already done at this scale."""
    from django.core.management import call_command
    from django.db import connection

    now = now or dt.datetime.now(dt.UTC)
    if "t1" not in state.done:
        state.mark("t1", epoch(now.replace(minute=0, second=0, microsecond=0)))
    t1 = state.done["t1"]
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-262144")
    if migrate:
        step(state, "migrate", call_command, "migrate", verbosity=0)
    step(state, "units", load_units, scale)
    step(state, "reference", load_reference, scale)
    chunk = 250_000 if connection.vendor == "sqlite" else 1_000_000
    step(state, "dossiers", _bulk_load, state, "dossiers", "dossiers_dossier", scale.dossiers,
         chunk, _dossier_insert(t1))  # fmt: skip
    step(state, "reports", _bulk_load, state, "reports", "feedback_report", scale.reports,
         chunk, _report_insert(t1))  # fmt: skip
    step(state, "values", load_values, state, scale)
    step(state, "rollups", build_rollups, state, scale)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=NORMAL")
    return state.done


def months_for(scale: Scale) -> int:
    return max(1, min(MONTHS, scale.months))


def ceil_div(a: int, b: int) -> int:
    return math.ceil(a / b)
