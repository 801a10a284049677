"""Crash safety: kill the production server with SIGKILL while citizens file, and check that
nothing a client was told is lost, doubled or half written.

    .venv/bin/python reliability/crash.py --db both --kills 10 --seconds 100

For each database (a SQLite file under a temporary directory, or the PostgreSQL database
``tinhso_crash``, both fresh, migrated, with the demo province) it starts gunicorn (2 workers,
``tinhso.wsgi``, as ``make run`` does) on 127.0.0.1, and runs concurrent clients, each a
thread with its own httpx client and session:

- citizens start dossiers (Idempotency-Key), attach the required papers (multipart PDFs with
  random bytes, each with its own key) and submit them;
- reporters send field reports (anonymous or signed in, with a key) and signed-in ones add a
  photo (a JPEG with random bytes, with a key);
- the one-stop desk officer receives each submitted dossier (the moment its gapless code is
  given).

Meanwhile the whole server (master and workers, one process group) is killed with SIGKILL at
random moments ``--kills`` times and restarted. A client retries every request that failed or
got no answer with the same key until it succeeds (a move that answers 409 is read back: it
took effect before the crash). Then ``fixtures.py verify`` compares the database and the
files on disk with the ledger of what clients were told, and a verdict is printed. Exit
status 0 only when every check passes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import queue
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_kit import Server, Session, cleanup, facts, prepare, run

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

HERE = Path(__file__).resolve().parent
API = "/api/v1"
ABORT = threading.Event()  # set when a run ends: no client keeps retrying after it


def pdf_bytes(rng: random.Random) -> bytes:
    """A small PDF whose bytes are unique (a random comment), so checksums tell files apart."""
    noise = rng.randbytes(rng.randrange(200, 4000)).hex()
    return (
        b"%PDF-1.4\n%" + noise.encode() + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def jpeg_bytes(rng: random.Random) -> bytes:
    """JPEG markers around random bytes: enough for the kernel's type check, unique bytes."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + (
        rng.randbytes(rng.randrange(500, 6000)).replace(b"\xff", b"\x00") + b"\xff\xd9"
    )


class Ledger:
    """What clients were told, and every surprising answer (5xx, unexpected 4xx)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dossiers: dict[int, dict] = {}
        self.reports: dict[str, dict] = {}
        self.answers: dict[str, list] = {}  # key → every 2xx body it got (replays included)
        self.server_errors: list[str] = []
        self.unexpected: list[str] = []
        self.requests = 0
        self.no_answer = 0
        self.refused = 0
        self.retries = 0
        self.replayed_moves = 0

    def answer(self, key: str, body) -> None:
        with self.lock:
            self.answers.setdefault(key, []).append(body)


class Client(threading.Thread):
    """One user; retries each request with the same key until it gets a final answer."""

    def __init__(self, name, base_url, username, ledger, stop, rng, facts_):
        super().__init__(name=name, daemon=True)
        self.session = Session(base_url, username)
        self.ledger = ledger
        self.stop_event = stop
        self.rng = rng
        self.facts = facts_
        self.error: BaseException | None = None

    def request(self, method, path, *, key=None, ok=(200, 201), final=(), **kwargs):
        """The first answer whose status is in ``ok`` or ``final``; everything else (no answer,
        5xx, 429, a lost session) is retried with the same key. A create that succeeded is
        sent once more with the same key one time in four (a network that repeats itself):
        the answer must be the first one (checked from ``ledger.answers``)."""
        response = self._until_answered(method, path, key=key, ok=ok, final=final, **kwargs)
        if key and response.status_code in ok and self.rng.random() < 0.25:
            self._until_answered(method, path, key=key, ok=ok, final=final, **kwargs)
        return response

    def _until_answered(self, method, path, *, key, ok, final, **kwargs):
        while True:
            if ABORT.is_set():
                raise RuntimeError("the run was aborted")
            with self.ledger.lock:
                self.ledger.requests += 1
            try:
                response = self.session.client.request(
                    method, path, headers=self.session.headers(key), **kwargs
                )
            except httpx.HTTPError as exc:
                with self.ledger.lock:
                    self.ledger.retries += 1
                    if isinstance(exc, httpx.ConnectError):
                        self.ledger.refused += 1  # the server was down: nothing was sent
                    else:
                        self.ledger.no_answer += 1  # cut off mid-request: the interesting case
                time.sleep(self.rng.uniform(0.05, 0.3))
                continue
            status = response.status_code
            if status in ok:
                body = response.json()
                if key:
                    self.ledger.answer(key, body)
                return response
            if status in final:
                return response
            with self.ledger.lock:
                self.ledger.retries += 1
                if status >= 500:
                    self.ledger.server_errors.append(
                        f"{method} {path}: {status} {response.text[:300]}"
                    )
            if status in (401, 403) and self.session.username:
                self.session.login()  # the session cookie was refused: sign in again
            elif status == 429:
                time.sleep(self.rng.uniform(1, 3))
            elif status < 500:
                with self.ledger.lock:
                    self.ledger.unexpected.append(
                        f"{method} {path}: {status} {response.text[:300]}"
                    )
                raise RuntimeError(f"{self.name}: {method} {path} answered {status}")
            else:
                time.sleep(0.2)

    def run(self) -> None:
        try:
            self.session.login()
            while not self.stop_event.is_set():
                self.one()
        except BaseException as exc:
            self.error = exc
        finally:
            self.session.close()

    def one(self) -> None:
        raise NotImplementedError


class Citizen(Client):
    def __init__(self, *args, form_data, desk_queue, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_data = form_data
        self.desk_queue = desk_queue

    def one(self) -> None:
        key = f"dossier-{uuid.uuid4()}"
        body = {
            "procedure_code": self.facts["procedure"],
            "agency_id": self.facts["agency_id"],
            "form_data": self.form_data,
            "submit": False,
        }
        created = self.request("POST", f"{API}/dossiers/", key=key, json=body).json()
        entry = {"id": created["id"], "key": key, "attachments": [], "submitted": False}
        with self.ledger.lock:
            self.ledger.dossiers[created["id"]] = entry
        for paper in self.facts["papers"]:
            content = pdf_bytes(self.rng)
            attach_key = f"attach-{uuid.uuid4()}"
            answer = self.request(
                "POST",
                f"{API}/dossiers/{created['id']}/attachments",
                key=attach_key,
                data={"paper_code": paper},
                files={"file": (f"{paper}.pdf", content, "application/pdf")},
            ).json()
            entry["attachments"].append(
                {
                    "key": attach_key,
                    "id": answer["id"],
                    "sha256": hashlib.sha256(content).hexdigest(),
                }
            )
        response = self.request(
            "POST", f"{API}/dossiers/{created['id']}/submit", ok=(200,), final=(409,)
        )
        if response.status_code == 409:
            # Submitted before the crash took the answer away: read it back.
            state = self.request("GET", f"{API}/dossiers/{created['id']}").json()
            if state["status"] == "draft":
                raise RuntimeError(f"submit of {created['id']} refused: {response.text}")
            with self.ledger.lock:
                self.ledger.replayed_moves += 1
        entry["submitted"] = True
        self.desk_queue.put(created["id"])


class Desk(Client):
    """The one-stop desk officer: receives each submitted dossier (the code is given here)."""

    def __init__(self, *args, desk_queue, citizens_done, **kwargs):
        super().__init__(*args, **kwargs)
        self.desk_queue = desk_queue
        self.citizens_done = citizens_done

    def run(self) -> None:
        try:
            self.session.login()
            while not ABORT.is_set():
                try:
                    dossier_id = self.desk_queue.get(timeout=0.2)
                except queue.Empty:
                    if self.citizens_done.is_set():
                        return
                    continue
                self.receive(dossier_id)
        except BaseException as exc:
            self.error = exc
        finally:
            self.session.close()

    def receive(self, dossier_id: int) -> None:
        path = f"{API}/dossiers/{dossier_id}"
        response = self.request(
            "POST", f"{path}/receive", json={"note": ""}, ok=(200,), final=(409,)
        )
        if response.status_code == 409:
            response = self.request("GET", path)
            with self.ledger.lock:
                self.ledger.replayed_moves += 1
        state = response.json()
        if not state.get("code"):
            raise RuntimeError(f"dossier {dossier_id} not received: {state.get('status')}")
        with self.ledger.lock:
            self.ledger.dossiers[dossier_id]["code"] = state["code"]


class Reporter(Client):
    def one(self) -> None:
        key = f"report-{uuid.uuid4()}"
        body = {
            "category": self.facts["category"],
            "description": f"Phản ánh thử nghiệm {uuid.uuid4().hex[:12]}: đèn đường hỏng.",
            "latitude": self.facts["latitude"] + self.rng.uniform(-0.002, 0.002),
            "longitude": self.facts["longitude"] + self.rng.uniform(-0.002, 0.002),
            "channel": "portal",
        }
        created = self.request("POST", f"{API}/feedback/reports", key=key, json=body).json()
        entry = {"code": created["code"], "key": key, "photos": []}
        with self.ledger.lock:
            self.ledger.reports[created["code"]] = entry
        if self.session.username:
            content = jpeg_bytes(self.rng)
            photo_key = f"photo-{uuid.uuid4()}"
            self.request(
                "POST",
                f"{API}/feedback/reports/{created['code']}/photos",
                key=photo_key,
                files={"file": ("anh-hien-truong.jpg", content, "image/jpeg")},
            )
            entry["photos"].append(
                {"key": photo_key, "sha256": hashlib.sha256(content).hexdigest()}
            )


def killer(server: Server, kills: int, seconds: float, rng: random.Random, log) -> list[float]:
    """Kill the whole server ``kills`` times, each after a random time up (on average
    ``seconds / kills``, under load); restart it each time. The restart times."""
    restarts = []
    mean = seconds / kills
    for number in range(1, kills + 1):
        time.sleep(rng.uniform(0.2, 1.8) * mean)
        server.kill()
        took = server.start()
        restarts.append(took)
        log(f"  kill {number}/{kills}: SIGKILL to master and workers, back in {took:.1f} s")
    # A last stretch up, so clients finish what the last kill interrupted.
    time.sleep(rng.uniform(0.2, 1.0) * mean)
    return restarts


def run_one(db: str, args, log) -> dict:
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"tinhso-crash-{db}-"))
    server = None
    clients: list[Client] = []
    stop = threading.Event()
    ABORT.clear()
    try:
        log(f"== {db}: fresh database ({args.setup} demo) in {workdir}")
        began = time.monotonic()
        env = prepare(workdir, db, args.pg_name, setup=args.setup)
        known = facts(env)
        log(
            f"   ready in {time.monotonic() - began:.0f} s; procedure {known['procedure']}, "
            f"desk {known['agency_code']} ({known['officer']}), papers {known['papers']}"
        )
        server = Server(env, args.port, workdir / "gunicorn.log")
        server.start()
        from datetime import UTC, datetime

        t0 = datetime.now(UTC)
        ledger = Ledger()
        base = server.url
        desk_queue: queue.Queue = queue.Queue()
        citizens_done = threading.Event()
        people = known["citizens"]
        for index in range(args.citizens):
            person = people[index % len(people)]
            clients.append(
                Citizen(
                    f"citizen-{index}",
                    base,
                    person["username"],
                    ledger,
                    stop,
                    random.Random(rng.random()),
                    known,
                    form_data=person["form_data"],
                    desk_queue=desk_queue,
                )
            )
        for index in range(args.reporters):
            # Every other reporter is signed in (and adds a photo); the rest are anonymous.
            username = people[-1 - index % len(people)]["username"] if index % 2 == 0 else None
            clients.append(
                Reporter(
                    f"reporter-{index}",
                    base,
                    username,
                    ledger,
                    stop,
                    random.Random(rng.random()),
                    known,
                )
            )
        desk = Desk(
            "desk",
            base,
            known["officer"],
            ledger,
            stop,
            random.Random(rng.random()),
            known,
            desk_queue=desk_queue,
            citizens_done=citizens_done,
        )
        for client in [*clients, desk]:
            client.start()
        load_began = time.monotonic()
        restarts = killer(server, args.kills, args.seconds, rng, log)
        stop.set()
        for client in clients:
            client.join(timeout=300)
        citizens_done.set()
        desk.join(timeout=300)
        failures = [f"{c.name}: {c.error!r}" for c in [*clients, desk] if c.error]
        failures += [f"{c.name} still running" for c in [*clients, desk] if c.is_alive()]

        replays = []
        for key, bodies in ledger.answers.items():
            if any(body != bodies[0] for body in bodies[1:]):
                replays.append(f"key {key}: answers differ {bodies}")
        record = {
            "t0": t0.isoformat(),
            "citizens": [p["username"] for p in people],
            "dossiers": list(ledger.dossiers.values()),
            "reports": list(ledger.reports.values()),
        }
        ledger_path = workdir / "ledger.json"
        ledger_path.write_text(json.dumps(record, ensure_ascii=False))
        server.stop()  # the check reads a quiet database
        log(f"   load and kills took {time.monotonic() - load_began:.0f} s; checking")
        check_began = time.monotonic()
        out = run([sys.executable, str(HERE / "fixtures.py"), "verify", str(ledger_path)], env)
        log(f"   checked in {time.monotonic() - check_began:.0f} s")
        found = json.loads(out.strip().splitlines()[-1])
        checks = found["checks"]
        checks["every client finished"] = {
            "ok": not failures,
            "detail": f"{len(clients) + 1} clients",
            "problems": failures,
        }
        checks["no 5xx, no unexpected 4xx"] = {
            "ok": not ledger.server_errors and not ledger.unexpected,
            "detail": f"{ledger.requests} requests: {ledger.no_answer} cut off without an answer, "
            f"{ledger.refused} refused while the server was down, {ledger.retries} retried",
            "problems": (ledger.server_errors + ledger.unexpected)[:20],
        }
        checks["a retry got the first answer"] = {
            "ok": not replays,
            "detail": f"{sum(len(b) - 1 for b in ledger.answers.values())} replayed answers "
            f"compared, {ledger.replayed_moves} moves read back after a 409",
            "problems": replays[:20],
        }
        return {
            "db": db,
            "kills": len(restarts),
            "restart_seconds": restarts,
            "requests": ledger.requests,
            "no_answer": ledger.no_answer,
            "refused": ledger.refused,
            "dossiers": len(ledger.dossiers),
            "reports": len(ledger.reports),
            "checks": checks,
            "workdir": str(workdir),
            "ledger": str(ledger_path),
            "env": env,  # to run the check again on a kept directory (not written to --json)
        }
    finally:
        stop.set()
        ABORT.set()  # clients still retrying (a failed run) give up
        if server is not None:
            server.stop()
        if not args.keep:
            cleanup(workdir, keep=False)


def print_verdict(result: dict, log) -> bool:
    ok = all(check["ok"] for check in result["checks"].values())
    log("")
    restarts = result["restart_seconds"] or [0.0]
    log(
        f"== {result['db']}: {result['kills']} kills (restarts took "
        f"{min(restarts):.1f}-{max(restarts):.1f} s), {result['dossiers']} dossiers, "
        f"{result['reports']} reports, {result['requests']} requests "
        f"({result['no_answer']} cut off without an answer)"
    )
    for name, check in result["checks"].items():
        log(f"   [{'PASS' if check['ok'] else 'FAIL'}] {name}: {check['detail']}")
        for problem in check["problems"]:
            log(f"          - {problem}")
    log(f"   VERDICT {result['db']}: {'PASS' if ok else 'FAIL'}")
    return ok


def parse(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs per database (≥ 1)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=100,
        help="time the server is up under load, spread over the kills",
    )
    parser.add_argument("--citizens", type=int, default=3, help="concurrent citizen clients")
    parser.add_argument("--reporters", type=int, default=2, help="concurrent reporter clients")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CRASH_PORT", "8300")))
    parser.add_argument("--pg-name", default="tinhso_crash", help="PostgreSQL database (dropped)")
    parser.add_argument(
        "--setup",
        choices=["full", "quick"],
        default="full",
        help="full: tinhso demo; quick: the demo without sample records",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.kills < 1:
        parser.error("--kills must be at least 1")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(10**6)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)

    def log(line: str) -> None:
        print(line, flush=True)

    log(f"crash run: seed {args.seed}, {args.kills} kills per database, ~{args.seconds:.0f} s up")
    results = []
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        results.append(run_one(db, args, log))
    verdicts = [print_verdict(result, log) for result in results]
    if args.json:
        public = [{k: v for k, v in r.items() if k != "env"} for r in results]
        Path(args.json).write_text(json.dumps(public, ensure_ascii=False, indent=2))
    log("")
    log(f"CRASH SAFETY: {'PASS' if all(verdicts) else 'FAIL'}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
