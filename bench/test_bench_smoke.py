"""The submission benchmark cannot rot: its server harness and load generator, for real.

A fresh SQLite database (migrated, with a commune desk, a procedure and a field-report
category from the tests' factories), gunicorn with 2 workers on loopback, and
``bench/loadgen.py`` with 2 clients for about a second per scenario. Every submission must
succeed, and each one the server acknowledged must exist in the database exactly once
(``bench_submit.verify``), with nothing else created.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_submit
import pytest

SMOKE_PORT = 8204


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs its own SQLite server whatever the suite runs on: once per CI run is enough",
)
def test_submit_benchmark_smoke(tmp_path):
    results, checked = bench_submit.run_cases(
        "sqlite",
        kinds=("feedback", "dossier"),
        clients=(2,),
        duration=1.0,
        warmup=0.2,
        port=SMOKE_PORT,
        citizens=2,
        name="smoke",
        minimal_in=tmp_path,
    )

    assert [(r["kind"], r["clients"]) for r in results] == [("feedback", 2), ("dossier", 2)]
    for result in results:
        assert result["errors"] == {}, (result["kind"], result["error_samples"])
        assert result["attempted"] > 0
    # Something was acknowledged, and each acknowledged submission is there exactly once.
    assert checked["acknowledged"]["feedback"] > 0
    assert checked["acknowledged"]["dossier"] > 0
    assert checked["problems"] == []
    assert checked["field_reports"] == checked["acknowledged"]["feedback"]
    assert checked["dossiers"] == checked["acknowledged"]["dossier"]
