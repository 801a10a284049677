"""The background refresher (``TINHSO_IOC_REFRESH = "background"``, the production default;
the rest of the suite refreshes inline): real commits, the real thread and its own database
connection, the board read the way the IOC reads it."""

import contextlib
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from tinhso.dossiers.tests.factories import DossierFactory
from tinhso.indicators import refresher, registry
from tinhso.indicators.tests.test_freshness import value, world  # noqa: F401 - fixture
from tinhso.kernel import events
from tinhso.kernel.models import AuditEvent

THREAD = "tinhso-ioc-refresher"


@pytest.fixture
def background(settings):
    settings.TINHSO_IOC_REFRESH = "background"
    yield
    # Nothing may still be writing when the test database is flushed.
    assert registry.wait_idle(timeout=30)


@contextlib.contextmanager
def one_writer():
    """On SQLite's in-memory test database (shared cache: a second writer fails at once with
    "table is locked", where a file database waits its turn) the thread starts on the change
    once the whole call, after-commit hooks included, is done. On PostgreSQL they overlap, as
    in production."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with registry.background_refresher().paused():
            yield
    else:
        yield


def _until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.fixture
def counted(monkeypatch):
    """``refresh_counts`` as is, with every call recorded (its argument and thread)."""
    real = registry.refresh_counts
    calls = []

    def counting(touched):
        calls.append((threading.current_thread().name, touched))
        return real(touched)

    monkeypatch.setattr(registry, "refresh_counts", counting)
    return calls


def _pairs(touched):
    return set().union(*touched.values()) if touched else set()


@pytest.mark.django_db(transaction=True)
def test_a_received_dossier_reaches_the_board_through_the_thread_not_the_request(
    world,  # noqa: F811
    background,
    counted,
):
    with one_writer():
        DossierFactory(setup=world.desk_a, received=True)
    assert registry.wait_idle(timeout=30)
    for unit in (world.commune_a, world.province):
        for period in (world.month, world.year):
            assert value(unit, period, "dossiers.received") == 1, (unit, period)
    assert value(world.commune_b, world.month, "dossiers.received") is None
    assert counted, "nothing was refreshed"
    assert {name for name, _touched in counted} == {THREAD}
    assert all(_pairs(touched) == {(world.commune_a.pk, world.month)} for _n, touched in counted)
    assert not AuditEvent.objects.filter(action=registry.PENDING).exists()


@pytest.mark.django_db(transaction=True)
def test_many_changes_to_one_unit_and_month_are_one_refresh(world, background, monkeypatch):  # noqa: F811
    real = registry.refresh_counts
    calls, gate = [], threading.Event()

    def held_first(touched):
        calls.append(touched)
        if len(calls) == 1:
            gate.wait(30)  # the thread is busy: what commits meanwhile piles up
        return real(touched)

    monkeypatch.setattr(registry, "refresh_counts", held_first)
    with one_writer():
        DossierFactory(setup=world.desk_a, received=True)
    _until(lambda: len(calls) == 1)
    for _ in range(6):
        DossierFactory(setup=world.desk_a, received=True)
    assert registry.background_refresher().pending() > 0
    gate.set()
    assert registry.wait_idle(timeout=30)
    assert len(calls) == 2, calls
    assert _pairs(calls[1]) == {(world.commune_a.pk, world.month)}
    assert value(world.province, world.month, "dossiers.received") == 7


@pytest.mark.django_db(transaction=True)
def test_a_failed_refresh_in_the_thread_is_marked_and_the_next_change_goes_through(
    world,  # noqa: F811
    background,
    monkeypatch,
):
    real = registry.refresh_counts

    def broken(touched):
        raise RuntimeError("database went away")

    monkeypatch.setattr(registry, "refresh_counts", broken)
    with one_writer():
        DossierFactory(setup=world.desk_a, received=True)
    assert registry.wait_idle(timeout=30)
    marks = AuditEvent.objects.filter(action=registry.PENDING)
    assert marks.count() >= 1
    assert [world.commune_a.pk, world.month] in marks.last().changes["tinhso.dossiers.indicators"]
    assert value(world.province, world.month, "dossiers.received") is None

    monkeypatch.setattr(registry, "refresh_counts", real)
    with one_writer():
        DossierFactory(setup=world.desk_b, received=True)
    assert registry.wait_idle(timeout=30)
    assert value(world.commune_b, world.month, "dossiers.received") == 1
    assert value(world.commune_a, world.month, "dossiers.received") is None
    assert registry.retry_pending() > 0  # the tick redoes the mark
    assert value(world.province, world.month, "dossiers.received") == 2


@pytest.mark.django_db(transaction=True)
def test_the_thread_survives_an_exception_and_the_tick_covers_the_lost_batch(
    world,  # noqa: F811
    background,
    monkeypatch,
):
    real = registry.refresh_or_mark
    seen, broken = [], [True]

    def raises_while_broken(batch):
        seen.append(threading.current_thread().ident)
        if broken[0]:
            raise RuntimeError("a bug in a module's WATCH")
        real(batch)

    monkeypatch.setattr(registry, "refresh_or_mark", raises_while_broken)
    worker = registry.background_refresher()
    failures = worker.failures
    with one_writer():
        DossierFactory(setup=world.desk_a, received=True)
    assert registry.wait_idle(timeout=30)
    assert worker.failures > failures  # one batch, or one per commit of the factory
    assert value(world.province, world.month, "dossiers.received") is None

    broken[0] = False

    with one_writer():
        DossierFactory(setup=world.desk_b, received=True)
    assert registry.wait_idle(timeout=30)
    assert len(set(seen)) == 1, "the same thread did both batches"
    assert value(world.commune_b, world.month, "dossiers.received") == 1
    registry.tick()
    assert value(world.province, world.month, "dossiers.received") == 2


@pytest.mark.django_db(transaction=True)
def test_inline_mode_refreshes_in_the_request(world, settings, counted):  # noqa: F811
    settings.TINHSO_IOC_REFRESH = "inline"
    DossierFactory(setup=world.desk_a, received=True)
    assert value(world.province, world.month, "dossiers.received") == 1
    assert {name for name, _touched in counted} == {threading.current_thread().name}


# --- the Refresher itself: no database -----------------------------------------------------


def _event(pk):
    return events.Event("dossiers.receive", "dossiers.dossier", str(pk))


def test_a_forked_child_gets_its_own_thread_not_the_parents():
    done = []
    worker = refresher.Refresher(done.append, name="test-refresher")
    worker.submit([_event(1)])
    assert worker.wait_idle(timeout=10)
    assert [[e.pk for e in batch] for batch in done] == [["1"]]

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            inherited = worker._thread is not None and worker._thread.is_alive()
            worker.submit([_event(2)])
            idle = worker.wait_idle(timeout=10)
            ran = [e.pk for e in done[-1]]
            os.write(write, f"{inherited} {idle} {ran} {worker.batches}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        told = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's thread is not in the child (is_alive is False there); the child started its
    # own, which ran the child's work and counted from zero.
    assert told == "False True ['2'] 1"
    assert worker._thread.is_alive() and worker.batches == 1  # the parent's is untouched


def test_the_global_refresher_is_reset_in_a_forked_child():
    worker = registry.background_refresher()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            mine = refresher._refresher is worker
            os.write(write, f"{mine} {worker._thread} {worker._pid == os.getpid()}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        told = pipe.read()
    os.waitpid(pid, 0)
    assert told == "True None True"


def test_pending_work_is_flushed_when_the_process_exits(tmp_path):
    out = tmp_path / "flushed.txt"
    script = textwrap.dedent(
        f"""
        import time
        import django
        django.setup()
        from tinhso.indicators import refresher
        from tinhso.kernel import events

        def slow(batch):
            time.sleep(0.3)
            with open({str(out)!r}, "a") as f:
                f.write(",".join(sorted(e.pk for e in batch)) + "\\n")

        worker = refresher.Refresher(slow, name="exit-test")
        worker.submit([events.Event("a.b", "a.b", "1")])
        time.sleep(0.05)  # the thread has taken the first batch
        worker.submit([events.Event("a.b", "a.b", "2"), events.Event("a.b", "a.b", "3")])
        # and the interpreter exits right away, with work running and pending
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tinhso.settings",
        "TINHSO_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DATABASE_URL", None)
    started = timezone.now()
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    assert out.read_text().splitlines() == ["1", "2,3"]
    assert (timezone.now() - started).total_seconds() < 30
