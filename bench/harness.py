"""What every benchmark under ``bench/`` shares: the machine it ran on, percentiles, and the
result files (``bench/results/<name>.json`` and ``<name>.md``; ``make bench`` then writes
``bench/results/SUMMARY.md`` from every JSON file with ``python bench/harness.py``).

A benchmark measures its baseline in the same run and reports ratios to it::

    from harness import Report, percentiles, timed

    report = Report("ioc_board", baseline="naive GROUP BY over the raw rows")
    report.row(database="sqlite", case="province/year", p50_ms=3.1, p95_ms=7.9, ratio=120.0)
    report.note("10 million dossiers generated in 412 s")
    report.write()

Rows are flat dicts (numbers rounded for the table); ``write`` prints the markdown table too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """Where the figures come from: CPU, cores, memory, Python, the date."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def percentiles(samples_ms: list[float]) -> dict:
    """p50/p95/p99/mean/n of latencies in milliseconds (nearest-rank percentiles)."""
    if not samples_ms:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None}
    ordered = sorted(samples_ms)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]

    return {
        "n": len(ordered),
        "p50_ms": round(rank(0.50), 3),
        "p95_ms": round(rank(0.95), 3),
        "p99_ms": round(rank(0.99), 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


@contextmanager
def timed():
    """``with timed() as t: ...`` then ``t.ms``: wall-clock milliseconds of the block."""

    class _T:
        ms = 0.0

    t = _T()
    start = time.perf_counter()
    try:
        yield t
    finally:
        t.ms = (time.perf_counter() - start) * 1000


def ratio(baseline: float | None, measured: float | None) -> float | None:
    """``baseline / measured`` (how many times faster ``measured`` is), rounded."""
    if not baseline or not measured:
        return None
    return round(baseline / measured, 2)


class Report:
    """One benchmark's results: rows of figures, notes, the machine and the baseline."""

    def __init__(self, name: str, *, baseline: str, title: str = "") -> None:
        self.name = name
        self.title = title or name
        self.baseline = baseline
        self.rows: list[dict] = []
        self.notes: list[str] = []
        self.started = time.perf_counter()

    def row(self, **figures) -> None:
        self.rows.append(figures)
        print(f"  {self.name}: {figures}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  {self.name}: {text}", flush=True)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "baseline": self.baseline,
            "machine": machine(),
            "seconds": round(time.perf_counter() - self.started, 1),
            "rows": self.rows,
            "notes": self.notes,
        }

    def write(self) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        data = self.as_dict()
        path = RESULTS / f"{self.name}.json"
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        markdown = render(data)
        (RESULTS / f"{self.name}.md").write_text(markdown, encoding="utf-8")
        print(markdown, flush=True)
        return path


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def render(data: dict) -> str:
    """One result as markdown: heading, machine, baseline, table, notes."""
    m = data["machine"]
    lines = [
        f"## {data['title']}",
        "",
        f"{m['date']} · {m['cpu']} · {m['cores']} cores · {m['memory_gib']} GiB · "
        f"Python {m['python']} · {data['seconds']} s",
        "",
        f"Baseline: {data['baseline']}",
        "",
    ]
    columns: list[str] = []
    for row in data["rows"]:
        columns += [key for key in row if key not in columns]
    if columns:
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---" for _ in columns) + "|")
        for row in data["rows"]:
            lines.append("| " + " | ".join(_cell(row.get(key)) for key in columns) + " |")
        lines.append("")
    lines += [f"- {note}" for note in data["notes"]]
    return "\n".join(lines).rstrip() + "\n"


def summarise() -> Path:
    """``bench/results/SUMMARY.md`` from every result JSON file."""
    parts = [
        "# Benchmark results",
        "",
        "Written by `make bench`; each table names its baseline.",
        "",
    ]
    for path in sorted(RESULTS.glob("*.json")):
        parts.append(render(json.loads(path.read_text(encoding="utf-8"))))
    out = RESULTS / "SUMMARY.md"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


if __name__ == "__main__":
    print(summarise(), file=sys.stderr)
