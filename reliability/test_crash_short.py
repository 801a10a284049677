"""The short crash run inside ``make test``: a fresh SQLite database, gunicorn with 2 workers,
citizens, reporters and the desk working while the whole server is killed with SIGKILL twice;
then every check of ``reliability/crash.py`` must pass (``make reliability`` runs the long one
on SQLite and PostgreSQL)."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import crash
from reliability_kit import Server


def free_port(first: int = 8301, last: int = 8349) -> int:
    """A free port of the range this run may use on 127.0.0.1."""
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {first}-{last}")


@pytest.fixture
def no_server_left_behind():
    yield
    Server.kill_all()  # even when the run failed half-way
    assert not Server.groups


def verify_again(result: dict, ledger: dict) -> dict:
    """The checks of ``fixtures.py verify`` on the kept database, for another ledger."""
    path = Path(result["workdir"]) / "tampered.json"
    path.write_text(json.dumps(ledger, ensure_ascii=False))
    out = subprocess.run(
        [sys.executable, str(crash.HERE / "fixtures.py"), "verify", str(path)],
        env=result["env"], capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])["checks"]


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs its own SQLite server whatever the suite runs on: once per CI run is enough",
)
def test_a_server_killed_twice_loses_and_doubles_nothing(no_server_left_behind, capsys):
    args = crash.parse(
        ["--db", "sqlite", "--setup", "quick", "--kills", "2", "--seconds", "10",
         "--citizens", "2", "--reporters", "2", "--port", str(free_port()), "--seed", "2026",
         "--keep"]
    )  # fmt: skip
    result = crash.run_one("sqlite", args, print)
    try:
        ok = crash.print_verdict(result, print)
        verdict = capsys.readouterr().out
        assert result["kills"] == 2
        assert result["dossiers"] >= 2 and result["reports"] >= 1, verdict
        failed = [name for name, check in result["checks"].items() if not check["ok"]]
        assert ok and not failed, verdict

        # The checks can fail: told of one dossier fewer, a report that was never made, and
        # a paper with other bytes, they say so.
        ledger = json.loads(Path(result["ledger"]).read_text())
        hidden = ledger["dossiers"].pop(0)
        ledger["reports"].append({"code": "PA-0000-999999", "key": "k", "photos": []})
        ledger["dossiers"][0]["attachments"][0]["sha256"] = "0" * 64
        checks = verify_again(result, ledger)
        assert (
            f"dossier {hidden['id']} no client was told of"
            in checks["dossiers exactly once"]["problems"]
        )
        assert "lost report PA-0000-999999" in checks["reports exactly once"]["problems"]
        assert not checks["dossier papers exactly once, bytes identical"]["ok"]
        assert not checks["idempotency records match what clients got"]["ok"]
    finally:
        shutil.rmtree(result["workdir"], ignore_errors=True)
