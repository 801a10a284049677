"""Submission throughput: dossier submission and field reports under 1, 10 and 50 clients.

The production server as ``make run`` starts it (gunicorn ``tinhso.wsgi``, 2 sync workers,
DEBUG off, plain HTTP on loopback) serves a database prepared with the demo province and 50
signed-in citizens; ``bench/loadgen.py`` (asyncio + httpx, a second process) sends
submissions for a fixed time after a warm-up, on SQLite and on PostgreSQL:

- ``dossier``: start a dossier, attach its one required paper, submit it (3 requests);
- ``feedback``: send a field report (1 request);
- ``baseline``: a view that performs one INSERT behind the same stack (the ceiling).

Every create carries an Idempotency-Key; afterwards each acknowledged submission must exist in
the database exactly once, and nothing else may exist. The submission rate limits are turned
off for the run (all clients come from 127.0.0.1; the limits are tested elsewhere).

    python bench/bench_submit.py [--quick] [--databases sqlite,postgres] [--clients 1,10,50]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Report, percentiles

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
VAR = ROOT / "var" / "bench"
PORT = int(os.environ.get("BENCH_PORT", "8201"))
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
PG_NAME = os.environ.get("BENCH_PG_NAME", "tinhso_benchcore")
CITIZENS = 50
PROCEDURE = "2.000635"  # "Cấp bản sao trích lục hộ tịch": one required paper (the form)
KINDS = ("baseline", "feedback", "dossier")


# --- the databases ----------------------------------------------------------------------------


def _run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, **kwargs)  # noqa: S603


def base_env(database_url: str, var_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        TINHSO_VAR_DIR=str(var_dir),
        DEBUG="0",
        TINHSO_INSECURE_HTTP="1",
        TINHSO_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TINHSO_BENCH_BASELINE="1",
        # The clients all come from 127.0.0.1 and send far more than a person would.
        TINHSO_OPEN311_IP_PER_MINUTE="0",
        TINHSO_RATE_LIMIT_PER_USER="0",
        TINHSO_RATE_LIMIT_PER_IP="0",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    return env


def _migrate_and_demo(env: dict) -> None:
    _run([str(BIN / "tinhso"), "migrate", "--noinput", "-v0"], env)
    _run([str(BIN / "tinhso"), "demo"], env, stdout=subprocess.DEVNULL)


def _psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(  # noqa: S603
        ["psql", f"{PG_SERVER}/{db}", "-tAc", sql],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def fresh_database(vendor: str, name: str, var_dir: Path) -> str:
    """A database with the demo province: copied from a cached seed (made once, then migrated
    forward), so each run starts from the same data. Returns its DATABASE_URL."""
    VAR.mkdir(parents=True, exist_ok=True)
    if vendor == "sqlite":
        seed = VAR / "submit-seed.sqlite3"
        if not seed.exists():
            building = VAR / "submit-seed-building.sqlite3"
            building.unlink(missing_ok=True)
            _migrate_and_demo(base_env(f"sqlite:///{building}", var_dir))
            building.rename(seed)
        target = VAR / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(seed, target)
        url = f"sqlite:///{target}"
    else:
        seed_name = f"{PG_NAME}_seed"
        if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{seed_name}'") != "1":  # noqa: S608
            # Built under another name and renamed when complete: an interrupted build is
            # never taken for a seed.
            building = f"{seed_name}_building"
            _psql(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            _psql(f'CREATE DATABASE "{building}"')
            _migrate_and_demo(base_env(f"{PG_SERVER}/{building}", var_dir))
            _psql(f'ALTER DATABASE "{building}" RENAME TO "{seed_name}"')
        _psql(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{PG_NAME}" TEMPLATE "{seed_name}"')
        url = f"{PG_SERVER}/{PG_NAME}"
    env = base_env(url, var_dir)
    _run([str(BIN / "tinhso"), "migrate", "--noinput", "-v0"], env)
    _run([str(BIN / "tinhso"), "collectstatic", "--noinput", "-v0"], env)
    return url


def _migrated_sqlite() -> Path:
    """Where an empty migrated SQLite database is cached, named after the migrations."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("tinhso/*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return VAR / f"migrated-{digest.hexdigest()[:16]}.sqlite3"


def django_step(step: str, env: dict, data: dict | None = None) -> dict:
    """Run ``prepare`` or ``verify`` below in a Django process on the bench database."""
    with tempfile.TemporaryDirectory() as tmp:
        given, answer = Path(tmp, "in.json"), Path(tmp, "out.json")
        given.write_text(json.dumps(data or {}, ensure_ascii=False), encoding="utf-8")
        _run([PYTHON, __file__, f"--{step}", str(given), str(answer)], env)
        return json.loads(answer.read_text(encoding="utf-8"))


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    import django

    django.setup()


def prepare(data: dict) -> dict:
    """Citizens with sessions, the baseline table, and what each scenario sends."""
    _django_setup()
    import datetime as dt
    import random

    from baseline_view import create_table_sql
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.middleware.csrf import _get_new_csrf_string

    from tinhso.accounts.models import User
    from tinhso.accounts.services import citizen_register
    from tinhso.dossiers import selectors as dossier_selectors
    from tinhso.dossiers import services as dossier_services
    from tinhso.dossiers.models import Procedure
    from tinhso.feedback.models import Category
    from tinhso.portal.demo import demo_cccd
    from tinhso.units.models import Unit

    with connection.cursor() as cursor:
        cursor.execute(create_table_sql(connection.vendor))
    rng = random.Random(2026)  # noqa: S311 - the same citizens every run
    backend = "django.contrib.auth.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    citizens = []
    for index in range(int(data.get("citizens", CITIZENS))):
        sex = "male" if index % 2 else "female"
        birth = dt.date(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 28))
        cccd = demo_cccd(rng, birth, sex)
        user = User.objects.filter(cccd=cccd).first() or citizen_register(
            cccd=cccd,
            full_name=f"Nguyễn Văn Thử {index}" if sex == "male" else f"Trần Thị Thử {index}",
            date_of_birth=birth,
            sex=sex,
            phone=f"09{rng.randrange(10**8):08d}",
            password=f"Thu-nghiem#{index}-Lua-Vang",
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        citizens.append(
            {"user": user.pk, "sessionid": session.session_key, "csrftoken": _get_new_csrf_string()}
        )

    if data.get("minimal"):
        # The smoke test: a commune, its desk and a procedure and category made by the tests'
        # factories (seconds), instead of the demo province (a minute).
        from tinhso.accounts.services import roles_ensure_defaults
        from tinhso.dossiers.tests.factories import ProcedureFactory, desk_setup
        from tinhso.feedback.tests.factories import CategoryFactory

        roles_ensure_defaults()
        desk_setup()
        procedure = ProcedureFactory(code="9.990001")
        CategoryFactory()
    else:
        procedure = Procedure.objects.get(code=PROCEDURE)
    version = dossier_services._procedure_offered(procedure)
    papers = [p["code"] for p in version.data.get("papers", []) if p.get("required")]
    agency = dossier_selectors.receiving_agencies(procedure).order_by("pk").first()
    first = User.objects.get(pk=citizens[0]["user"])
    answers = dict(dossier_selectors.dossier_prefill(first, procedure))
    for item in dossier_services.form_fields(version):
        if not item.get("required") or answers.get(item["name"]) not in (None, ""):
            continue
        kind = item["type"]
        answers[item["name"]] = (
            item["options"][0]["value"]
            if kind == "select"
            else 1
            if kind == "number"
            else True
            if kind == "checkbox"
            else (dt.date.today() - dt.timedelta(days=3)).isoformat()
            if kind == "date"
            else "Số 12, đường Lê Lợi, phường Thành Vinh"
        )
    # The answers are the first citizen's; each citizen sends their own name and number.
    category = next(
        c
        for c in Category.objects.filter(is_active=True, children__isnull=True).order_by("pk")
        if not any(a.get("required") for a in c.attributes or [])
    )
    commune = Unit.objects.filter(type__in=["xa", "phuong"]).order_by("pk").first()
    return {
        "citizens": citizens,
        "dossier": {
            "procedure_code": procedure.code,
            "agency_id": agency.pk,
            "form_data": answers,
            "paper_codes": papers,
        },
        "feedback": {
            "category": category.service_code,
            "description": "Đèn đường hỏng trước nhà văn hoá xóm 3, tối không đi lại được",
            "address": "Xóm 3",
            "commune_code": commune.code if commune else "",
            "channel": "portal",
        },
    }


def verify(data: dict) -> dict:
    """Every acknowledged submission exists exactly once; nothing else was created."""
    _django_setup()
    from baseline_view import TABLE
    from django.db import connection

    from tinhso.dossiers.models import Dossier
    from tinhso.feedback.models import Report as FieldReport

    users = data["users"]
    problems: list[str] = []
    acked = data["acknowledged"]

    ids = [a["id"] for a in acked.get("dossier", [])]
    rows = list(Dossier.objects.filter(applicant_id__in=users).values_list("pk", "status"))
    if sorted(pk for pk, _ in rows) != sorted(ids):
        problems.append(f"dossiers: {len(ids)} acknowledged, {len(rows)} in the database")
    drafts = [pk for pk, status in rows if status != "submitted" and pk in set(ids)]
    if drafts:
        problems.append(f"dossiers acknowledged but not submitted: {drafts[:10]}")
    # A started dossier whose paper or submit failed stays a draft: counted, not a loss.
    unacked = len(rows) - len(ids)

    codes = [a["code"] for a in acked.get("feedback", [])]
    found = list(FieldReport.objects.filter(reporter_id__in=users).values_list("code", flat=True))
    if sorted(found) != sorted(codes) or len(set(codes)) != len(codes):
        problems.append(f"field reports: {len(codes)} acknowledged, {len(found)} in the database")

    base = sorted(a["id"] for a in acked.get("baseline", []))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {TABLE} ORDER BY id")  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    if stored != base:
        problems.append(f"baseline rows: {len(base)} acknowledged, {len(stored)} stored")
    return {
        "problems": problems,
        "dossiers": len(rows),
        "unacknowledged_dossiers": unacked,
        "field_reports": len(found),
        "baseline_rows": len(stored),
    }


# --- the server -------------------------------------------------------------------------------


class Server:
    """gunicorn as ``make run`` starts it (2 workers), on its own port, its log in a file."""

    def __init__(self, env: dict, port: int, log: Path, workers: int = 2) -> None:
        self.env, self.port, self.log, self.workers = env, port, log, workers
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> float:
        """Start, wait for the first 200 of the home page; seconds it took."""
        began = time.perf_counter()
        self._log = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "gunicorn"),
                "tinhso.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return time.perf_counter() - began
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer 200 in {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None):
            self._log.close()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the processes whose parent is the master."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)


def load(spec: dict) -> dict:
    """Run the load generator in its own process; its result."""
    with tempfile.TemporaryDirectory() as tmp:
        given, answer = Path(tmp, "spec.json"), Path(tmp, "result.json")
        given.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        subprocess.run(  # noqa: S603
            [PYTHON, str(ROOT / "bench" / "loadgen.py"), str(given), str(answer)], check=True
        )
        return json.loads(answer.read_text(encoding="utf-8"))


def run_cases(
    vendor: str,
    *,
    kinds=KINDS,
    clients=(1, 10, 50),
    duration: float,
    warmup: float,
    port: int = PORT,
    citizens: int = CITIZENS,
    name: str = "submit",
    minimal_in: Path | None = None,
) -> tuple[list[dict], dict]:
    """Every (kind, clients) case on one database; the results and the verification.

    ``minimal_in``: a directory for a fresh SQLite database with only what the scenarios need
    (the smoke test), static files served from the sources."""
    if minimal_in is None:
        var_dir = VAR / f"{name}-var"
        var_dir.mkdir(parents=True, exist_ok=True)
        url = fresh_database(vendor, f"{name}-{vendor}", var_dir)
        env = base_env(url, var_dir)
    else:
        var_dir = minimal_in / "var"
        url = f"sqlite:///{minimal_in / 'smoke.sqlite3'}"
        env = base_env(url, var_dir)
        env["TINHSO_PLAIN_STATIC"] = "1"
        migrated = _migrated_sqlite()
        if migrated.exists():
            shutil.copyfile(migrated, minimal_in / "smoke.sqlite3")
        else:
            _run([str(BIN / "tinhso"), "migrate", "--noinput", "-v0"], env)
            VAR.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(minimal_in / "smoke.sqlite3", migrated)
    prepared = django_step(
        "prepare", env, {"citizens": citizens, "minimal": minimal_in is not None}
    )
    log_dir = VAR if minimal_in is None else minimal_in
    server = Server(env, port, log_dir / f"{name}-{vendor}-gunicorn.log")
    results = []
    acknowledged: dict[str, list] = {kind: [] for kind in kinds}
    try:
        server.start()
        for kind in kinds:
            for n in clients:
                spec = {
                    "base_url": server.url,
                    "kind": kind,
                    "clients": n,
                    "duration": duration,
                    "warmup": warmup,
                    "run_id": f"{vendor}-{kind}-{n}-{int(time.time())}",
                    **prepared,
                }
                result = load(spec)
                acknowledged[kind] += result.pop("acknowledged")
                result["database"] = vendor
                results.append(result)
    finally:
        server.stop()
    checked = django_step(
        "verify",
        env,
        {"users": [c["user"] for c in prepared["citizens"]], "acknowledged": acknowledged},
    )
    checked["acknowledged"] = {kind: len(items) for kind, items in acknowledged.items()}
    return results, checked


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per case, 1 s warm-up")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--verify", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for step, paths in (("prepare", args.prepare), ("verify", args.verify)):
        if paths:
            given = json.loads(Path(paths[0]).read_text(encoding="utf-8"))
            answer = prepare(given) if step == "prepare" else verify(given)
            Path(paths[1]).write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
            return 0

    duration = args.duration or (3.0 if args.quick else 15.0)
    warmup = 1.0 if args.quick else 5.0
    clients = tuple(int(n) for n in args.clients.split(","))
    report = Report(
        "submit",
        title="Submission throughput (gunicorn, 2 workers, loopback)",
        baseline="the same server and database with a view that performs one INSERT "
        "(ratio = our submissions/s ÷ the baseline's at the same concurrency)",
    )
    load_before = load_average()
    failures = []
    for vendor in args.databases.split(","):
        results, checked = run_cases(vendor, clients=clients, duration=duration, warmup=warmup)
        ceiling = {r["clients"]: r["ops_per_s"] for r in results if r["kind"] == "baseline"}
        for r in results:
            figures = percentiles(r["latencies_ms"])
            errors = sum(r["errors"].values())
            report.row(
                database=vendor,
                case=r["kind"],
                clients=r["clients"],
                per_s=r["ops_per_s"],
                requests_per_s=r["requests_per_s"],
                p50_ms=figures["p50_ms"],
                p95_ms=figures["p95_ms"],
                p99_ms=figures["p99_ms"],
                errors=errors,
                of_baseline=round(r["ops_per_s"] / ceiling[r["clients"]], 3)
                if ceiling.get(r["clients"])
                else None,
            )
            if errors:
                report.note(
                    f"{vendor} {r['kind']}×{r['clients']} errors {r['errors']}: "
                    f"{r['error_samples'][:2]}"
                )
                failures.append(f"{vendor} {r['kind']}×{r['clients']}")
        report.note(
            f"{vendor}: acknowledged {checked['acknowledged']}; in the database: "
            f"{checked['dossiers']} dossiers, {checked['field_reports']} field reports, "
            f"{checked['baseline_rows']} baseline rows; "
            + (f"PROBLEMS {checked['problems']}" if checked["problems"] else "each exactly once")
        )
        failures += checked["problems"]
    report.note(
        f"{duration:g} s measured per case after {warmup:g} s warm-up; per_s = submissions "
        "completed in the window per second (a dossier is 3 requests: start, attach the paper, "
        "submit); latencies are of whole submissions completed in the window, queueing "
        "included; requests_per_s counts every HTTP request completed in the window"
    )
    report.note(
        "server: gunicorn tinhso.wsgi -w 2 (sync), DEBUG=0, access log to a file; no task "
        "worker running; rate limits off (TINHSO_RATE_LIMIT_PER_*=0, "
        "TINHSO_OPEN311_IP_PER_MINUTE=0); load generator: bench/loadgen.py (asyncio + httpx) in "
        "a second process on the same 2 cores"
    )
    report.note(f"load average before: {load_before}; after: {load_average()} (shared machine)")
    report.write()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
