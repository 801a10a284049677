"""Soak: the production server under a steady, mixed load for a long time; errors and the
memory of each gunicorn worker over time.

    .venv/bin/python reliability/soak.py                 # 30 minutes at 8 requests/s
    .venv/bin/python reliability/soak.py --minutes 3

A fresh database (SQLite under a temporary directory, or the PostgreSQL database
``tinhso_soak``) with the demo province; gunicorn ``tinhso.wsgi`` with 2 workers on 127.0.0.1.
Requests leave at a fixed rate (open loop: a slow answer does not slow the schedule) from a
pool of client threads, each signed in as a demo citizen or the one-stop desk officer:

- reads (about 70 %): the procedure catalogue and one procedure, the public field reports, the
  feedback categories, my dossiers, the desk's work queue, the home page;
- submissions (about 30 %): a field report (Idempotency-Key), a dossier started with a paper
  attached (two requests, each with a key).

Every ``--sample`` seconds it reads each process's resident memory (VmRSS from /proc) and
counts the answers since the last sample. At the end: a table (one row per sample: requests,
errors, p50/p95 latency, RSS of the master and of each worker) and the growth of each worker
from the first sample after warm-up to the last. Exit status 1 on any 5xx or failed request.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability_kit import Server, Session, cleanup, facts, prepare, rss_kib

API = "/api/v1"
READS = [
    ("procedures", 20),
    ("procedure", 10),
    ("public_reports", 10),
    ("categories", 10),
    ("mine", 10),
    ("queue", 5),
    ("home", 5),
]
WRITES = [("report", 20), ("dossier", 10)]


def pdf_bytes(rng: random.Random) -> bytes:
    noise = rng.randbytes(rng.randrange(200, 3000)).hex().encode()
    return (
        b"%PDF-1.4\n%" + noise + b"\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()
        self.total = 0
        self.total_errors = 0
        self.errors_seen: list[str] = []
        self.late = 0

    def reset(self) -> None:
        self.count = 0
        self.errors = 0
        self.latencies: list[float] = []
        self.by_kind: dict[str, int] = {}

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.count += 1
            self.total += 1
            self.latencies.append(seconds)
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if error:
                self.errors += 1
                self.total_errors += 1
                if len(self.errors_seen) < 30:
                    self.errors_seen.append(f"{kind}: {error}")

    def take(self) -> dict:
        with self.lock:
            lat = sorted(self.latencies)
            row = {
                "requests": self.count,
                "errors": self.errors,
                "p50_ms": lat[len(lat) // 2] * 1000 if lat else None,
                "p95_ms": lat[int(len(lat) * 0.95)] * 1000 if lat else None,
            }
            self.reset()
            return row


class Worker(threading.Thread):
    """Takes tickets (a kind of request) from the schedule and sends them."""

    def __init__(self, base, username, tickets, stats, known, rng, desk) -> None:
        super().__init__(daemon=True)
        self.session = Session(base, username, timeout=30)  # a citizen
        self.desk = desk  # the desk officer's session, shared: reads the work queue
        self.ready = threading.Event()
        self.tickets = tickets
        self.stats = stats
        self.known = known
        self.rng = rng

    def run(self) -> None:
        self.session.login()
        self.ready.set()
        try:
            while True:
                ticket = self.tickets.get()
                if ticket is None:
                    return
                kind, due = ticket
                began = time.monotonic()
                if began - due > 1.0:
                    with self.stats.lock:
                        self.stats.late += 1  # the clients could not keep up with the schedule
                try:
                    error = self.send(kind)
                except httpx.HTTPError as exc:
                    error = f"no answer: {exc!r}"
                self.stats.add(kind, time.monotonic() - began, error)
        finally:
            self.session.close()

    def _check(self, response: httpx.Response, ok=(200, 201)) -> str | None:
        if response.status_code in ok:
            return None
        return f"{response.request.method} {response.request.url.path}: {response.status_code}"

    def send(self, kind: str) -> str | None:
        client, headers, known = self.session.client, self.session.headers, self.known
        if kind == "procedures":
            return self._check(client.get(f"{API}/dossiers/procedures", params={"limit": 20}))
        if kind == "procedure":
            return self._check(client.get(f"{API}/dossiers/procedures/{known['procedure']}"))
        if kind == "public_reports":
            return self._check(client.get(f"{API}/feedback/public/reports", params={"limit": 20}))
        if kind == "categories":
            return self._check(client.get(f"{API}/feedback/categories"))
        if kind == "mine":
            return self._check(client.get(f"{API}/dossiers/mine", params={"limit": 20}))
        if kind == "queue":
            return self._check(self.desk.client.get(f"{API}/dossiers/queue"))
        if kind == "home":
            return self._check(client.get("/"))
        if kind == "report":
            body = {
                "category": known["category"],
                "description": f"Phản ánh kiểm thử dài hạn {uuid.uuid4().hex[:10]}.",
                "latitude": known["latitude"] + self.rng.uniform(-0.003, 0.003),
                "longitude": known["longitude"] + self.rng.uniform(-0.003, 0.003),
            }
            response = client.post(
                f"{API}/feedback/reports", json=body, headers=headers(f"r-{uuid.uuid4()}")
            )
            return self._check(response)
        if kind == "dossier":
            body = {
                "procedure_code": known["procedure"],
                "agency_id": known["agency_id"],
                "form_data": self.form_data,
                "submit": False,
            }
            response = client.post(
                f"{API}/dossiers/", json=body, headers=headers(f"d-{uuid.uuid4()}")
            )
            if error := self._check(response):
                return error
            content = pdf_bytes(self.rng)
            response = client.post(
                f"{API}/dossiers/{response.json()['id']}/attachments",
                data={"paper_code": known["papers"][0]},
                files={"file": ("to-khai.pdf", content, "application/pdf")},
                headers=headers(f"a-{hashlib.sha256(content).hexdigest()[:16]}"),
            )
            return self._check(response)
        raise ValueError(kind)


def schedule(rate: float, seconds: float, tickets: queue.Queue, stats: Stats, rng, stop) -> None:
    """Put one ticket every 1/rate seconds (open loop) until ``seconds`` have passed."""
    kinds = [k for k, w in READS + WRITES for _ in range(w)]
    began = time.monotonic()
    sent = 0
    while not stop.is_set():
        now = time.monotonic()
        if now - began >= seconds:
            return
        due = began + sent / rate
        if due > now:
            time.sleep(due - now)
        tickets.put((rng.choice(kinds), due))
        sent += 1


def table(rows: list[dict], workers: int) -> str:
    head = ["min", "req", "req/s", "err", "p50 ms", "p95 ms", "master MiB"] + [
        f"w{i + 1} MiB" for i in range(workers)
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:

        def mib(kib):
            return f"{kib / 1024:.1f}" if kib else "-"

        cells = [
            f"{row['minute']:.1f}",
            str(row["requests"]),
            f"{row['rate']:.1f}",
            str(row["errors"]),
            f"{row['p50_ms']:.0f}" if row["p50_ms"] is not None else "-",
            f"{row['p95_ms']:.0f}" if row["p95_ms"] is not None else "-",
            mib(row["rss"][0] if row["rss"] else None),
        ] + [mib(kib) for kib in (row["rss"][1:] + [None] * workers)[:workers]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--rate", type=float, default=8, help="requests per second (fixed)")
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--sample", type=float, default=None, help="seconds between samples")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-name", default="tinhso_soak")
    parser.add_argument("--setup", choices=["full", "quick"], default="full")
    parser.add_argument("--port", type=int, default=8320)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", help="also write the samples and the summary here")
    args = parser.parse_args(argv)
    seconds = args.minutes * 60
    sample = args.sample or max(10.0, seconds / 20)
    rng = random.Random(args.seed)

    workdir = Path(tempfile.mkdtemp(prefix=f"tinhso-soak-{args.db}-"))
    server = None
    tickets: queue.Queue = queue.Queue()
    stats = Stats()
    stop = threading.Event()
    clients: list[Worker] = []
    try:
        print(f"soak: {args.minutes:g} min at {args.rate:g} requests/s on {args.db}", flush=True)
        env = prepare(workdir, args.db, args.pg_name, setup=args.setup)
        known = facts(env)
        server = Server(env, args.port, workdir / "gunicorn.log")
        started = server.start()
        print(f"  server up in {started:.1f} s: pids {server.pids()}", flush=True)
        people = known["citizens"]
        desk = Session(server.url, known["officer"], timeout=30)
        desk.login()
        for index in range(args.clients):
            username = people[index % len(people)]["username"]
            client = Worker(
                server.url, username, tickets, stats, known, random.Random(rng.random()), desk
            )
            client.form_data = people[index % len(people)]["form_data"]
            clients.append(client)
            client.start()
        # Sign-ins first (each costs an Argon2 hash), so the schedule starts with every client.
        for client in clients:
            client.ready.wait(timeout=300)
        scheduler = threading.Thread(
            target=schedule, args=(args.rate, seconds, tickets, stats, rng, stop), daemon=True
        )
        began = time.monotonic()
        scheduler.start()
        rows = []
        pids_first = server.pids()
        while scheduler.is_alive():
            scheduler.join(timeout=sample)
            elapsed = time.monotonic() - began
            since = elapsed - (rows[-1]["elapsed"] if rows else 0)
            row = stats.take()
            row.update(
                elapsed=elapsed,
                minute=elapsed / 60,
                rate=row["requests"] / since if since else 0,
                pids=server.pids(),
                rss=[rss_kib(pid) for pid in server.pids()],
            )
            rows.append(row)
            print(
                f"  {row['minute']:5.1f} min: {row['requests']} requests, {row['errors']} errors,"
                f" RSS KiB {row['rss']}",
                flush=True,
            )
        for _ in clients:
            tickets.put(None)
        for client in clients:
            client.join(timeout=60)
        desk.close()
        pids_last = server.pids()
    finally:
        stop.set()
        if server is not None:
            server.stop()
        cleanup(workdir, keep=args.keep)

    workers = max((len(r["rss"]) - 1 for r in rows), default=0)
    print()
    print(table(rows, workers))
    # Growth from the first sample after warm-up (the second, or the first if only one) to
    # the last, per worker process that lived through the whole run.
    warm = rows[1] if len(rows) > 2 else rows[0]
    growth = []
    for index, pid in enumerate(warm["pids"]):
        if pid in rows[-1]["pids"]:
            first = warm["rss"][index]
            last = rows[-1]["rss"][rows[-1]["pids"].index(pid)]
            if first and last:
                name = "master" if index == 0 else f"worker {index}"
                growth.append(
                    f"{name} (pid {pid}): {first / 1024:.1f} → {last / 1024:.1f} MiB "
                    f"({(last - first) / 1024:+.1f} MiB, {(last - first) / first * 100:+.1f} %)"
                )
    restarted = sorted(set(pids_first) ^ set(pids_last))
    print()
    print(
        f"Requests: {stats.total}, errors: {stats.total_errors}, "
        f"started over 1 s behind the schedule: {stats.late}"
    )
    print(f"Memory growth after warm-up (minute {warm['minute']:.1f} to {rows[-1]['minute']:.1f}):")
    for line in growth:
        print(f"  {line}")
    if restarted:
        print(f"  processes replaced during the run: {restarted}")
    for error in stats.errors_seen:
        print(f"  error: {error}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "args": vars(args),
                    "rows": rows,
                    "growth": growth,
                    "requests": stats.total,
                    "errors": stats.total_errors,
                    "late": stats.late,
                    "latency_median_ms": statistics.median(
                        [r["p50_ms"] for r in rows if r["p50_ms"] is not None] or [0]
                    ),
                },
                indent=2,
            )
        )
    verdict = stats.total_errors == 0 and stats.total > 0
    print(f"SOAK: {'PASS' if verdict else 'FAIL'} ({stats.total_errors} errors)")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
