"""What the crash and soak runs share: a fresh database, the production server (gunicorn,
2 workers, ``tinhso.wsgi``) in its own process group, and a signed-in HTTP client.

Every process is started with ``start_new_session=True``: the server's master and workers
share one process group, so ``Server.kill()`` ends them all at once with SIGKILL (as a power
cut or the OOM killer would), and ``Server.stop()`` never leaves one behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
PASSWORD = "DemoDVC#2026"  # the demo accounts' password (tinhso.portal.demo.DEMO_PASSWORD)
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"


def tool(name: str) -> str:
    """A console script of the virtual environment running this file (gunicorn, tinhso)."""
    path = BIN / name
    return str(path) if path.exists() else name


def server_env(workdir: Path, db: str, pg_name: str) -> dict[str, str]:
    """The environment of a production-like server on a fresh database under ``workdir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        TINHSO_VAR_DIR=str(workdir / "var"),
        TINHSO_MEDIA_ROOT=str(workdir / "media"),
        SECRET_KEY="reliability-run-not-a-secret-" + "x" * 40,
        DEBUG="0",
        TINHSO_INSECURE_HTTP="1",
        TINHSO_SSL_REDIRECT="0",
        TINHSO_PLAIN_STATIC="1",
        TINHSO_LOG_LEVEL="WARNING",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Submission limits off: every client shares one address, and a 429 would only slow
        # the run down (the clients retry it like any refusal).
        TINHSO_OPEN311_IP_PER_MINUTE="0",
        TINHSO_RATE_LIMIT_PER_USER="0",
        TINHSO_RATE_LIMIT_PER_IP="0",
    )
    env.pop("REDIS_URL", None)
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL.format(name=pg_name)
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'var' / 'tinhso.sqlite3'}"
    return env


def run(cmd: list[str], env: dict[str, str], *, timeout: float = 900) -> str:
    """Run a command to completion in its own session; its output, or SystemExit on failure."""
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except BaseException:
        _kill_group(proc.pid)
        proc.wait()
        raise
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-4000:]}")
    return out


def fresh_postgres(name: str) -> None:
    """Drop and create the database ``name`` (ours alone) on the local PostgreSQL."""
    import psycopg

    with psycopg.connect(PG_URL.format(name="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(workdir: Path, db: str, pg_name: str, *, setup: str) -> dict[str, str]:
    """A fresh, migrated database with the demo province; the server environment."""
    (workdir / "var").mkdir(parents=True, exist_ok=True)
    (workdir / "media").mkdir(parents=True, exist_ok=True)
    env = server_env(workdir, db, pg_name)
    if db == "postgres":
        fresh_postgres(pg_name)
    run([tool("tinhso"), "migrate", "--noinput", "-v0"], env)
    if setup == "full":
        run([tool("tinhso"), "demo"], env)
    else:
        run([sys.executable, str(HERE / "fixtures.py"), "quick"], env)
    return env


def facts(env: dict[str, str]) -> dict:
    """Who signs in, what they file and where (read from the database by fixtures.py)."""
    out = run([sys.executable, str(HERE / "fixtures.py"), "facts"], env)
    return json.loads(out.strip().splitlines()[-1])


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class Server:
    """gunicorn tinhso.wsgi with 2 workers on 127.0.0.1:port, in its own process group.

    ``Server.groups`` holds the process groups started and not yet stopped, so a test can end
    them whatever happened (``kill_all``)."""

    groups: set[int] = set()

    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int = 2) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{port}"
        self.starts = 0

    def start(self, *, wait: float = 120) -> float:
        """Start and wait until it answers; the seconds it took."""
        began = time.monotonic()
        self._wait_port_free()
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(
                [
                    tool("gunicorn"),
                    "tinhso.wsgi",
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "-w",
                    str(self.workers),
                    "--timeout",
                    "60",
                    "--error-logfile",
                    "-",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        Server.groups.add(self.proc.pid)
        deadline = began + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            try:
                response = httpx.get(f"{self.url}/api/v1/dossiers/fields", timeout=2)
                if response.status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within {wait:.0f} s; see {self.log}")

    def _wait_port_free(self, wait: float = 30) -> None:
        """Refuse to start while something else answers on the port: its answers would be
        taken for ours."""
        deadline = time.monotonic() + wait
        while True:
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", self.port))
                    return
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(
                            f"port {self.port} is taken: choose another with --port"
                        ) from None
            time.sleep(0.2)

    def pids(self) -> list[int]:
        """The master's pid then its workers' (from /proc)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        master = self.proc.pid
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.append(int(entry.name))
        return [master, *sorted(children)]

    def kill(self) -> None:
        """SIGKILL the master and every worker at once; wait until they are gone."""
        if self.proc is None:
            return
        _kill_group(self.proc.pid)
        self.proc.wait()
        Server.groups.discard(self.proc.pid)
        # Workers are reaped by init; wait until none of the group is left.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(self.proc.pid):
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        _kill_group(self.proc.pid)
        self.proc.wait()
        Server.groups.discard(self.proc.pid)
        self.proc = None

    @classmethod
    def kill_all(cls) -> None:
        for pgid in list(cls.groups):
            _kill_group(pgid)
            cls.groups.discard(pgid)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Session:
    """One signed-in (or anonymous) user's HTTP client: cookies, CSRF header."""

    def __init__(self, base_url: str, username: str | None = None, timeout: float = 15) -> None:
        self.base_url = base_url
        self.username = username
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def login(self) -> None:
        """Sign in through the API (retrying while the server is down)."""
        if self.username is None:
            return
        deadline = time.monotonic() + 180
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError(f"login {self.username}: no answer for 3 minutes")
            try:
                response = self.client.post(
                    "/api/v1/accounts/session",
                    json={"username": self.username, "password": PASSWORD},
                )
            except httpx.HTTPError:
                time.sleep(0.3)
                continue
            if response.status_code == 200:
                return
            if response.status_code >= 500 or response.status_code == 429:
                time.sleep(1)
                continue
            raise RuntimeError(f"login {self.username}: {response.status_code} {response.text}")

    def headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Accept-Language": "vi"}
        token = self.client.cookies.get("csrftoken")
        if token:
            headers["X-CSRFToken"] = token
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def close(self) -> None:
        self.client.close()


def cleanup(workdir: Path, keep: bool) -> None:
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
