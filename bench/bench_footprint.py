"""Footprint: memory per web worker, server start time, and ``make run`` from a fresh clone.

- **Memory**: gunicorn ``tinhso.wsgi`` with 2 workers (as ``make run`` starts it, DEBUG off)
  on the demo province; after a warm-up (every public page and a few API lists, ``--warmup``
  rounds), RSS and PSS of each worker from ``/proc/<pid>/smaps_rollup``.
- **Start time**: from starting gunicorn to the first 200 of the home page (median of 3).
- **Baseline** for both: a bare ``django-admin startproject`` (DEBUG off, one view answering
  200 at ``/``, the admin login page) served the same way, warmed up with the same number of
  requests.
- **make run from a fresh clone**: ``git clone`` of this repository's HEAD into a temporary
  directory, then ``make install`` (the virtual environment; pip's cache is reused), then
  ``make run PORT=…`` until the portal answers 200 (assets, migrate, collectstatic, demo,
  server), then stopped. ``--skip-clone`` leaves it out.

    python bench/bench_footprint.py [--quick] [--skip-clone]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_submit as sub
from harness import Report, ratio

PORT = int(os.environ.get("BENCH_FOOTPRINT_PORT", "8202"))
BASELINE_PORT = PORT + 1
CLONE_PORT = int(os.environ.get("BENCH_CLONE_PORT", "8210"))
PAGES = [
    "/",
    "/dich-vu-cong/",
    "/phan-anh/",
    "/hoi-dap/",
    "/truyen-thong/",
    "/ioc/",
    "/tai-khoan/dang-nhap/",
    "/api/v1/dossiers/procedures",
    "/api/v1/feedback/categories",
    "/api/v1/qa/questions",
]
BASELINE_PAGES = ["/", "/admin/login/"]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def memory(pid: int) -> dict:
    """RSS and PSS in MiB of one process."""
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            figures[name.lower()] = int(rest.split()[0]) / 1024
    return figures


def measure_server(make_server, pages: list[str], rounds: int, starts: int) -> dict:
    """Start times (each a fresh server) and the workers' memory after the warm-up."""
    times, statuses = [], {}
    for attempt in range(starts):
        server = make_server()
        try:
            times.append(server.start())
            if attempt < starts - 1:
                continue
            requests = 0
            for _ in range(rounds):
                for page in pages:
                    status = get(server.url + page)
                    statuses[status] = statuses.get(status, 0) + 1
                    requests += 1
            # Both workers share the requests; each must have served some.
            workers = [memory(pid) for pid in server.worker_pids()]
        finally:
            server.stop()
    return {
        "start_s": statistics.median(times),
        "starts": [round(t, 2) for t in times],
        "rss": statistics.fmean(w["rss"] for w in workers),
        "pss": statistics.fmean(w["pss"] for w in workers),
        "workers": workers,
        "requests": requests,
        "statuses": statuses,
    }


def baseline_project(root: Path) -> Path:
    """A bare startproject with DEBUG off and one 200 view."""
    subprocess.run(  # noqa: S603
        [str(sub.BIN / "django-admin"), "startproject", "bare", str(root)], check=True
    )
    settings = root / "bare" / "settings.py"
    settings.write_text(
        settings.read_text()
        + "\nDEBUG = False\nALLOWED_HOSTS = ['127.0.0.1', 'localhost']\n"
        + "STATIC_ROOT = BASE_DIR / 'static'\n"
    )
    urls = root / "bare" / "urls.py"
    urls.write_text(
        urls.read_text()
        + "\nfrom django.http import HttpResponse\n\n"
        + "urlpatterns.append(path('', lambda request: HttpResponse('<h1>ok</h1>')))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(root))
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(  # noqa: S603
            [sub.PYTHON, str(root / "manage.py"), *command], check=True, env=env, cwd=root
        )
    return root


class BareServer(sub.Server):
    def __init__(self, root: Path, port: int, log: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(root))
        super().__init__(env, port, log)
        self.root = root

    def start(self, timeout: float = 90) -> float:
        began = time.perf_counter()
        self._log = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [
                *(str(sub.BIN / "gunicorn"), "bare.wsgi", "-b", f"127.0.0.1:{self.port}"),
                *("-w", "2", "--access-logfile", "-", "--error-logfile", "-"),
            ],
            env=self.env,
            cwd=self.root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while time.perf_counter() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                if get(f"{self.url}/") == 200:
                    return time.perf_counter() - began
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError("the bare project did not answer")


def fresh_clone(port: int, log: Path) -> dict:
    """git clone HEAD, make install, make run until 200; seconds of each part."""
    with tempfile.TemporaryDirectory(prefix="tinhso-clone-") as tmp:
        clone = Path(tmp, "tinhso")
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV", "TINHSO_VAR_DIR")
        }
        env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if ".venv" not in p)
        out = log.open("ab")
        figures = {}
        began = time.perf_counter()
        subprocess.run(  # noqa: S603
            ["git", "clone", "-q", str(sub.ROOT), str(clone)],  # noqa: S607
            check=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        figures["clone_s"] = time.perf_counter() - began
        step = time.perf_counter()
        subprocess.run(
            ["make", "install"],  # noqa: S607
            cwd=clone,
            env=env,
            check=True,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        figures["install_s"] = time.perf_counter() - step
        step = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            ["make", "run", f"PORT={port}", "HOST=127.0.0.1"],  # noqa: S607
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"make run exited ({process.returncode}); see {log}")
                try:
                    if get(f"http://127.0.0.1:{port}/") == 200:
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.perf_counter() - step > 1800:
                    raise RuntimeError("make run did not answer in 30 minutes")
                time.sleep(0.5)
            figures["run_s"] = time.perf_counter() - step
            figures["total_s"] = time.perf_counter() - began
        finally:
            # make run's own process group: make, the server, the task worker and the ticker.
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
            out.close()
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer warm-up rounds, one start")
    parser.add_argument("--skip-clone", action="store_true", help="leave out make run")
    args = parser.parse_args()
    rounds = 5 if args.quick else 30
    starts = 1 if args.quick else 3
    report = Report(
        "footprint",
        title="Footprint: memory per web worker, start time, make run from a fresh clone",
        baseline="a bare django-admin startproject (DEBUG off, a 200 view and the admin "
        "login page) served by gunicorn with 2 workers the same way "
        "(ratio = baseline ÷ ours: below 1 means we use more)",
    )
    load_before = sub.load_average()
    var_dir = sub.VAR / "footprint-var"
    var_dir.mkdir(parents=True, exist_ok=True)
    url = sub.fresh_database("sqlite", "footprint-sqlite", var_dir)
    env = sub.base_env(url, var_dir)
    env.pop("TINHSO_BENCH_BASELINE")
    ours = measure_server(
        lambda: sub.Server(env, PORT, sub.VAR / "footprint-gunicorn.log"), PAGES, rounds, starts
    )
    with tempfile.TemporaryDirectory(prefix="bare-django-") as tmp:
        root = baseline_project(Path(tmp))
        bare = measure_server(
            lambda: BareServer(root, BASELINE_PORT, sub.VAR / "footprint-bare.log"),
            BASELINE_PAGES,
            rounds * len(PAGES) // len(BASELINE_PAGES),
            starts,
        )
    report.row(
        case="RSS per worker (MiB)",
        tinhso=round(ours["rss"], 1),
        bare_django=round(bare["rss"], 1),
        ratio=ratio(bare["rss"], ours["rss"]),
    )
    report.row(
        case="PSS per worker (MiB)",
        tinhso=round(ours["pss"], 1),
        bare_django=round(bare["pss"], 1),
        ratio=ratio(bare["pss"], ours["pss"]),
    )
    report.row(
        case="start to first 200 (s)",
        tinhso=round(ours["start_s"], 2),
        bare_django=round(bare["start_s"], 2),
        ratio=ratio(bare["start_s"], ours["start_s"]),
    )
    report.note(
        f"tinhso: {ours['requests']} warm-up requests over {len(PAGES)} pages and API lists "
        f"(statuses {ours['statuses']}), workers {ours['workers']}, starts {ours['starts']} s; "
        f"bare: {bare['requests']} requests (statuses {bare['statuses']}), starts "
        f"{bare['starts']} s; SQLite, DEBUG off"
    )
    if not args.skip_clone:
        clone = fresh_clone(CLONE_PORT, sub.VAR / "footprint-clone.log")
        report.row(
            case="make run from a fresh clone (s)",
            tinhso=round(clone["total_s"], 1),
            bare_django=None,
            ratio=None,
        )
        report.note(
            f"fresh clone: git clone {clone['clone_s']:.1f} s, make install (venv, pip cache "
            f"reused) {clone['install_s']:.1f} s, make run until the portal's 200 (assets, "
            f"migrate, collectstatic, demo, server) {clone['run_s']:.1f} s; "
            f"total {clone['total_s']:.1f} s"
        )
    report.note(f"load average before: {load_before}; after: {sub.load_average()} (shared machine)")
    report.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
