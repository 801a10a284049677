"""The submission benchmark's load generator: an asyncio client (httpx) run as its own process.

    python bench/loadgen.py spec.json result.json

``spec.json`` names the server, the scenario (``baseline``, ``feedback`` or ``dossier``), the
number of concurrent clients, the warm-up and measured seconds, and the signed-in citizens
(session and CSRF cookies prepared by ``bench_submit.py``). Each client is one citizen's
connection that sends one submission after another, each with a fresh Idempotency-Key:

- ``baseline``: ``POST /bench/baseline-insert/`` (one INSERT behind the same stack);
- ``feedback``: ``POST /api/v1/feedback/reports`` (a field report);
- ``dossier``: ``POST /api/v1/dossiers/`` (start), ``POST /{id}/attachments`` (each required
  paper, a small PDF), ``POST /{id}/submit``: one submission is these requests.

The result holds the measured window's throughput and latencies (of whole submissions that
completed inside the window, counted from the moment the client sent the first request), the
HTTP requests completed in it, errors by status, and every submission the server
acknowledged (key and the id or code it answered), so the caller can check each exists
exactly once in the database.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
import uuid
from dataclasses import dataclass, field

import httpx

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Failed(Exception):
    def __init__(self, status: int | str, text: str = "") -> None:
        super().__init__(f"{status} {text[:300]}")
        self.status = status
        self.text = text[:300]


@dataclass
class Tally:
    start: float
    measure_from: float
    measure_until: float
    latencies_ms: list[float] = field(default_factory=list)
    ops_measured: int = 0
    requests: int = 0
    requests_measured: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    acknowledged: list[dict] = field(default_factory=list)
    attempted: int = 0

    def error(self, status, text: str) -> None:
        self.errors[str(status)] = self.errors.get(str(status), 0) + 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{status}: {text[:300]}")


def _check(response: httpx.Response, tally: Tally) -> dict:
    tally.requests += 1
    if tally.measure_from <= time.perf_counter() <= tally.measure_until:
        tally.requests_measured += 1
    if not 200 <= response.status_code < 300:
        raise Failed(response.status_code, response.text)
    return response.json()


async def _baseline(client: httpx.AsyncClient, spec: dict, key: str, tally: Tally) -> dict:
    body = _check(
        await client.post(
            "/bench/baseline-insert/",
            json={"description": "Đèn đường hỏng trước nhà văn hoá xóm 3"},
            headers={"Idempotency-Key": key},
        ),
        tally,
    )
    return {"key": key, "id": body["id"]}


async def _feedback(client: httpx.AsyncClient, spec: dict, key: str, tally: Tally) -> dict:
    data = dict(spec["feedback"])
    data["description"] = f"{data['description']} ({key})"
    body = _check(
        await client.post("/api/v1/feedback/reports", json=data, headers={"Idempotency-Key": key}),
        tally,
    )
    return {"key": key, "code": body["code"]}


async def _dossier(client: httpx.AsyncClient, spec: dict, key: str, tally: Tally) -> dict:
    d = spec["dossier"]
    created = _check(
        await client.post(
            "/api/v1/dossiers/",
            json={
                "procedure_code": d["procedure_code"],
                "agency_id": d["agency_id"],
                "form_data": d["form_data"],
            },
            headers={"Idempotency-Key": key},
        ),
        tally,
    )
    dossier_id = created["id"]
    for paper in d["paper_codes"]:
        _check(
            await client.post(
                f"/api/v1/dossiers/{dossier_id}/attachments",
                data={"paper_code": paper},
                files={"file": (f"{paper}.pdf", PDF + key.encode() + b"\n", "application/pdf")},
                headers={"Idempotency-Key": f"{key}-{paper}"},
            ),
            tally,
        )
    submitted = _check(await client.post(f"/api/v1/dossiers/{dossier_id}/submit"), tally)
    if submitted.get("status") != "submitted":
        raise Failed("not_submitted", json.dumps(submitted)[:300])
    return {"key": key, "id": dossier_id, "code": submitted.get("code")}


SCENARIOS = {"baseline": _baseline, "feedback": _feedback, "dossier": _dossier}


async def _client_loop(n: int, spec: dict, tally: Tally, deadline: float) -> None:
    citizen = spec["citizens"][n % len(spec["citizens"])]
    scenario = SCENARIOS[spec["kind"]]
    async with httpx.AsyncClient(
        base_url=spec["base_url"],
        cookies={"sessionid": citizen["sessionid"], "csrftoken": citizen["csrftoken"]},
        headers={"X-CSRFToken": citizen["csrftoken"], "Accept-Language": "vi"},
        timeout=httpx.Timeout(120.0),
        limits=httpx.Limits(max_connections=1),
    ) as client:
        for _ in itertools.count():
            if time.perf_counter() >= deadline:
                return
            key = f"{spec['run_id']}-{n}-{uuid.uuid4().hex[:12]}"
            tally.attempted += 1
            began = time.perf_counter()
            try:
                ack = await scenario(client, spec, key, tally)
            except Failed as exc:
                tally.error(exc.status, exc.text)
                await asyncio.sleep(0.05)
                continue
            except httpx.HTTPError as exc:
                tally.error(type(exc).__name__, str(exc))
                await asyncio.sleep(0.05)
                continue
            ended = time.perf_counter()
            tally.acknowledged.append(ack)
            # Counted when it completes inside the window, wherever it started: under 50
            # clients a submission may wait in the queue longer than the window lasts.
            if tally.measure_from <= ended <= tally.measure_until:
                tally.ops_measured += 1
                tally.latencies_ms.append((ended - began) * 1000)


async def run(spec: dict) -> dict:
    start = time.perf_counter()
    warmup = float(spec.get("warmup", 1.0))
    duration = float(spec["duration"])
    tally = Tally(start=start, measure_from=start + warmup, measure_until=start + warmup + duration)
    await asyncio.gather(
        *(_client_loop(n, spec, tally, tally.measure_until) for n in range(int(spec["clients"])))
    )
    return {
        "kind": spec["kind"],
        "clients": spec["clients"],
        "seconds": duration,
        "ops_measured": tally.ops_measured,
        "ops_per_s": round(tally.ops_measured / duration, 2),
        "requests": tally.requests,
        "requests_per_s": round(tally.requests_measured / duration, 2),
        "attempted": tally.attempted,
        "latencies_ms": tally.latencies_ms,
        "errors": tally.errors,
        "error_samples": tally.error_samples,
        "acknowledged": tally.acknowledged,
    }


def main(argv: list[str]) -> int:
    spec = json.loads(open(argv[1], encoding="utf-8").read())  # noqa: SIM115
    result = asyncio.run(run(spec))
    with open(argv[2], "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
