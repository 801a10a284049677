"""The Django side of the crash run, in a process of its own (the runner never imports Django,
so one runner can drive a SQLite and a PostgreSQL server one after the other):

    fixtures.py quick            the demo province without the modules' sample records (fast)
    fixtures.py facts            who files what where, as JSON on the last line
    fixtures.py verify LEDGER    compare the database and the files with what the clients were
                                 told (the ledger); the findings as JSON on the last line

The environment (DATABASE_URL, TINHSO_MEDIA_ROOT...) is the server's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from tinhso.accounts.models import User  # noqa: E402
from tinhso.dossiers.models import CodeCounter, Dossier, DossierEvent, DossierFile  # noqa: E402
from tinhso.feedback.models import Category, Report, ReportPhoto  # noqa: E402
from tinhso.kernel.files import STORED_FILES_DIR, sweep_orphan_files  # noqa: E402
from tinhso.kernel.models import AuditEvent, IdempotencyRecord, StoredFile  # noqa: E402
from tinhso.units.models import Agency  # noqa: E402

PROCEDURE = "1.001193"  # birth registration: fully online, commune level (the demo's)
COMMUNE = "16681"  # Phường Thành Vinh, one of the demo communes
CENTROID = (18.673400, 105.692200)


def quick() -> None:
    """``tinhso demo`` without the modules' sample records: units, agencies, officials and
    citizens, the procedure catalogue, the feedback categories and routing rules."""
    from tinhso.dossiers import catalogue
    from tinhso.feedback import demo as feedback_demo
    from tinhso.portal import demo
    from tinhso.units.selectors import unit_by_codename

    demo.DEMO_MODULES[:] = []
    demo.load_demo(province=settings.TINHSO_PROVINCE_CODENAME)
    catalogue.catalogue_load_json(acting_user=None)
    province = unit_by_codename(settings.TINHSO_PROVINCE_CODENAME)
    feedback_demo._setup(province, feedback_demo._categories())


def facts() -> dict:
    from tinhso.dossiers.demo import demo_answers
    from tinhso.dossiers.models import Procedure

    procedure = Procedure.objects.select_related("current_version").get(code=PROCEDURE)
    desk = Agency.objects.get(unit__code=COMMUNE, kind=Agency.Kind.MOT_CUA)
    officer = User.objects.filter(agency=desk, is_active=True).order_by("pk").first()
    citizens = list(User.objects.filter(kind=User.Kind.CITIZEN, is_active=True).order_by("pk"))
    leaf = Category.objects.filter(is_active=True, children__isnull=True).order_by("pk")
    category = next(c for c in leaf if not any(a.get("required") for a in c.attributes or []))
    return {
        "procedure": procedure.code,
        "agency_id": desk.pk,
        "agency_code": desk.code,
        "officer": officer.username,
        "papers": [p["code"] for p in procedure.current_version.papers if p.get("required")],
        "citizens": [
            {"username": c.username, "form_data": demo_answers(procedure, c)} for c in citizens
        ],
        "category": category.service_code,
        "latitude": CENTROID[0],
        "longitude": CENTROID[1],
    }


# --- verify -----------------------------------------------------------------------------------


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _audits(action: str, object_ids) -> Counter:
    rows = AuditEvent.objects.filter(action=action, object_id__in=[str(i) for i in object_ids])
    return Counter(rows.values_list("object_id", flat=True))


def verify(ledger: dict) -> dict:
    """Every check: ``{name: {"ok": bool, "detail": str, "problems": [...]}}``."""
    t0 = dt.datetime.fromisoformat(ledger["t0"])
    media = Path(settings.MEDIA_ROOT)
    checks: dict[str, dict] = {}

    # Bytes a kill left between the write and the commit: counted, then swept as ``tinhso
    # tick`` would (the server is stopped, so no transaction is open: no minimum age).
    known = set(StoredFile.objects.values_list("file", flat=True))
    left_by_crashes = [name for name in _on_disk(media) if name not in known]
    swept = sweep_orphan_files(min_age=dt.timedelta(0))

    def check(name: str, problems: list, detail: str) -> None:
        checks[name] = {"ok": not problems, "detail": detail, "problems": problems[:20]}

    # Dossiers: exactly the ones clients were told were created.
    told = {int(d["id"]): d for d in ledger["dossiers"]}
    ours = User.objects.filter(username__in=ledger["citizens"])
    rows = {d.pk: d for d in Dossier.objects.filter(applicant__in=ours, created_at__gte=t0)}
    lost = sorted(set(told) - set(rows))
    extra = sorted(set(rows) - set(told))
    check(
        "dossiers exactly once",
        [f"lost dossier {i}" for i in lost] + [f"dossier {i} no client was told of" for i in extra],
        f"{len(told)} acknowledged, {len(rows)} in the database",
    )

    # Their papers: one row per acknowledged attachment, bytes identical.
    problems = []
    papers = DossierFile.objects.filter(dossier_id__in=told, kind=DossierFile.Kind.PAPER)
    by_dossier = defaultdict(list)
    for item in papers.select_related("file"):
        by_dossier[item.dossier_id].append(item)
    told_files = 0
    for pk, entry in told.items():
        expected = Counter(a["sha256"] for a in entry["attachments"])
        told_files += sum(expected.values())
        found = Counter(item.file.sha256 for item in by_dossier.get(pk, []))
        if expected != found:
            problems.append(f"dossier {pk}: papers {dict(found)} != acknowledged {dict(expected)}")
        for item in by_dossier.get(pk, []):
            on_disk = _sha(media / item.file.file.name)
            if on_disk != item.file.sha256:
                problems.append(f"dossier {pk}: file {item.file.file.name} bytes differ/missing")
    check(
        "dossier papers exactly once, bytes identical",
        problems,
        f"{told_files} acknowledged, {papers.count()} in the database",
    )

    # Submitted and received: state and the code the desk was told.
    problems = []
    for pk, entry in told.items():
        dossier = rows.get(pk)
        if dossier is None:
            continue
        if entry.get("code") and dossier.code != entry["code"]:
            problems.append(f"dossier {pk}: code {dossier.code} but desk was told {entry['code']}")
        want = "received" if entry.get("code") else "submitted"
        if entry.get("submitted") and dossier.status not in {want, "processing"}:
            problems.append(f"dossier {pk}: status {dossier.status}, expected {want}")
    check(
        "states as acknowledged",
        problems,
        f"{sum(1 for d in told.values() if d.get('code'))} received",
    )

    # Codes: unique and gapless per agency and day, and the counter agrees.
    problems = []
    numbers = defaultdict(list)
    coded = Dossier.objects.exclude(code="").exclude(code__isnull=True)
    all_codes = list(coded.values_list("code", flat=True))
    dupes = [code for code, n in Counter(all_codes).items() if n > 1]
    problems += [f"code {code} given twice" for code in dupes]
    for code in all_codes:
        agency_code, day, number = code.rsplit("-", 2)
        numbers[(agency_code, day)].append(int(number))
    for counter in CodeCounter.objects.all():
        key = (counter.agency_code, f"{counter.day:%y%m%d}")
        got = sorted(numbers.pop(key, []))
        if got != list(range(1, counter.last + 1)):
            missing = sorted(set(range(1, counter.last + 1)) - set(got))
            problems.append(f"{key}: counter {counter.last}, numbers missing {missing[:10]}")
    problems += [f"{key}: codes without a counter row" for key in numbers]
    check(
        "dossier codes unique and gapless",
        problems,
        f"{len(all_codes)} codes on {CodeCounter.objects.count()} counters",
    )

    # Field reports and their photos.
    told_reports = {r["code"]: r for r in ledger["reports"]}
    report_rows = {r.code: r for r in Report.objects.filter(received_at__gte=t0)}
    problems = [f"lost report {c}" for c in sorted(set(told_reports) - set(report_rows))]
    problems += [
        f"report {c} no client was told of" for c in sorted(set(report_rows) - set(told_reports))
    ]
    check(
        "reports exactly once",
        problems,
        f"{len(told_reports)} acknowledged, {len(report_rows)} in the database",
    )
    problems = []
    photo_rows = defaultdict(list)
    for photo in ReportPhoto.objects.filter(report__code__in=told_reports).select_related(
        "file", "report"
    ):
        photo_rows[photo.report.code].append(photo)
    told_photos = 0
    for code, entry in told_reports.items():
        expected = Counter(p["sha256"] for p in entry["photos"])
        told_photos += sum(expected.values())
        found = Counter(p.file.sha256 for p in photo_rows.get(code, []))
        if expected != found:
            problems.append(f"report {code}: photos {dict(found)} != acknowledged {dict(expected)}")
        for photo in photo_rows.get(code, []):
            if _sha(media / photo.file.file.name) != photo.file.sha256:
                problems.append(f"report {code}: photo {photo.file.file.name} bytes differ/missing")
    check(
        "report photos exactly once, bytes identical",
        problems,
        f"{told_photos} acknowledged, {sum(len(v) for v in photo_rows.values())} in the database",
    )

    # The idempotency record of every acknowledged create names the record that was made
    # (written in the same transaction: a kill leaves both or neither).
    problems = []
    records = {
        (r.scope, r.key): r.response for r in IdempotencyRecord.objects.filter(created_at__gte=t0)
    }
    expected_records = []
    for entry in told.values():
        expected_records.append(("dossiers.create", entry["key"], "id", entry["id"]))
        for item in entry["attachments"]:
            expected_records.append(("dossiers.attach", item["key"], "id", item["id"]))
    for entry in told_reports.values():
        expected_records.append(("feedback.report_create", entry["key"], "code", entry["code"]))
        for photo in entry["photos"]:
            expected_records.append(("feedback.photo_add", photo["key"], "ok", True))
    for scope, key, field, value in expected_records:
        response = records.get((scope, key))
        if response is None:
            problems.append(f"{scope} {key}: no idempotency record")
        elif response.get(field) != value:
            problems.append(f"{scope} {key}: record says {response.get(field)}, client got {value}")
    check(
        "idempotency records match what clients got",
        problems,
        f"{len(expected_records)} keys, {len(records)} records since the start",
    )

    # Audit: one entry per state change.
    problems = []
    dossier_ids = list(told)
    expect = {
        "dossiers.draft_create": lambda e: 1,
        "dossiers.attach": lambda e: len(e["attachments"]),
        "dossiers.submit": lambda e: 1 if e.get("submitted") else 0,
        "dossiers.receive": lambda e: 1 if e.get("code") else 0,
    }
    for action, count in expect.items():
        seen = _audits(action, dossier_ids)
        for pk, entry in told.items():
            if seen.get(str(pk), 0) != count(entry):
                problems.append(
                    f"dossier {pk}: {seen.get(str(pk), 0)} × {action}, expected {count(entry)}"
                )
    events = Counter(
        DossierEvent.objects.filter(dossier_id__in=dossier_ids).values_list("dossier_id", "action")
    )
    for pk, entry in told.items():
        for action, wanted in (
            ("create", 1),
            ("submit", int(bool(entry.get("submitted")))),
            ("receive", int(bool(entry.get("code")))),
        ):
            if events.get((pk, action), 0) != wanted:
                problems.append(f"dossier {pk}: {events.get((pk, action), 0)} timeline '{action}'")
    report_pks = {r.pk: r.code for r in report_rows.values()}
    seen = _audits("feedback.report_create", report_pks)
    problems += [
        f"report {code}: {seen.get(str(pk), 0)} × feedback.report_create"
        for pk, code in report_pks.items()
        if seen.get(str(pk), 0) != 1
    ]
    photo_pks = [p.pk for photos in photo_rows.values() for p in photos]
    seen = _audits("feedback.photo_add", photo_pks)
    problems += [
        f"photo {pk}: {seen.get(str(pk), 0)} × feedback.photo_add"
        for pk in photo_pks
        if seen.get(str(pk), 0) != 1
    ]
    stored = StoredFile.objects.filter(created_at__gte=t0)
    seen = _audits("file.store", stored.values_list("pk", flat=True))
    problems += [f"file {pk}: {n} × file.store" for pk, n in seen.items() if n != 1]
    missing = stored.count() - len(seen)
    if missing:
        problems.append(f"{missing} stored files without a file.store audit entry")
    check(
        "audit: one entry per state change",
        problems,
        f"{AuditEvent.objects.filter(occurred_at__gte=t0).count()} entries since the start",
    )

    # Files: every stored file is referenced, and every file on disk has its row.
    problems = []
    referenced = set(DossierFile.objects.values_list("file_id", flat=True)) | set(
        ReportPhoto.objects.values_list("file_id", flat=True)
    )
    for row in stored:
        if row.pk not in referenced:
            problems.append(f"stored file {row.pk} ({row.purpose}) belongs to nothing")
        elif not (media / row.file.name).exists():
            problems.append(f"stored file {row.pk}: {row.file.name} missing on disk")
    on_disk = _on_disk(media)
    orphans = [name for name in on_disk if name not in known]
    problems += [f"orphan file on disk after the sweep: {name}" for name in orphans]
    if sorted(swept) != sorted(left_by_crashes):
        problems.append(
            f"the sweep removed {len(swept)} files, {len(left_by_crashes)} were orphans"
        )
    check(
        "no orphan files or rows",
        problems,
        f"{stored.count()} files stored since the start, {len(on_disk)} on disk; "
        f"{len(left_by_crashes)} orphan files left by kills, swept by files_sweep",
    )
    return {"checks": checks, "left_by_crashes": left_by_crashes, "at": timezone.now().isoformat()}


def _on_disk(media: Path) -> list[str]:
    folder = media / STORED_FILES_DIR
    if not folder.exists():
        return []
    return [str(path.relative_to(media)) for path in folder.rglob("*") if path.is_file()]


def main(argv: list[str]) -> None:
    command = argv[0] if argv else ""
    if command == "quick":
        quick()
    elif command == "facts":
        print(json.dumps(facts(), ensure_ascii=False, default=str))
    elif command == "verify":
        ledger = json.loads(Path(argv[1]).read_text())
        print(json.dumps(verify(ledger), ensure_ascii=False, default=str))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
