"""API fuzzing: schemathesis against the committed docs/openapi.json, every operation.

For each operation of the contract, and for each caller (anonymous, a citizen, a one-stop
officer), Hypothesis generates requests that fit the schema (positive) and requests that
break it (negative: wrong types, out-of-range numbers, missing fields...). They go in-process
through the real WSGI application (middleware, sessions, CSRF included) against the demo
province (`tinhso.portal.demo.load_demo`), and every answer must:

- never be a 5xx;
- carry a status the schema documents for that operation;
- have a documented content type and a body valid against the documented schema (errors:
  the ``{code, message, details}`` envelope of ``tinhso.kernel.schemas.ErrorOut``).

Path parameters are drawn both at random and from the ids of real demo records, so handlers
run past their 404. The run is derandomized: the same examples every time. The size comes
from ``TINHSO_FUZZ_EXAMPLES`` (examples per operation, caller and mode; small in
``make test``, larger in ``make reliability``). See docs/fuzzing.md.
"""

import os
import secrets
import time
from pathlib import Path
from unittest import mock

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tinhso.accounts.models import User
from tinhso.portal import demo as portal_demo

SCHEMA_PATH = Path(settings.PROJECT_DIR) / "docs" / "openapi.json"
EXAMPLES = int(os.environ.get("TINHSO_FUZZ_EXAMPLES", "2"))
# Real records each operation is also fuzzed on (path parameters pinned to their ids).
PATH_CHOICES = int(os.environ.get("TINHSO_FUZZ_RECORDS", "2"))
BASE_URL = "http://localhost"  # the host schemathesis sets its cookies for
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

SIGN_OUT = "DELETE /api/v1/accounts/session"
SCHEMA = schemathesis.openapi.from_path(SCHEMA_PATH)


def _operations():
    # Signing out ends the caller's session: it goes last, after every other operation.
    return sorted(
        (result.ok() for result in SCHEMA.get_all_operations()),
        key=lambda operation: (operation.label == SIGN_OUT, operation.label),
    )


def _known_values() -> dict[str, list[str]]:
    """Ids and codes of real demo records, by path-parameter name and path prefix."""
    from tinhso.api import api  # noqa: F401 - the routers' models are loaded

    values: dict[str, list] = {}

    def add(name, queryset, field="pk", limit=3):
        values.setdefault(name, []).extend(
            str(v) for v in queryset.values_list(field, flat=True)[:limit]
        )

    from tinhso.dossiers.models import Dossier, Procedure
    from tinhso.feedback.models import Report
    from tinhso.indicators.models import DataSet, DtiFramework, Indicator
    from tinhso.outreach import models as outreach
    from tinhso.qa.models import Question
    from tinhso.units.models import Agency, Unit

    add("dossier_id", Dossier.objects.order_by("pk"), limit=6)
    add("/dossiers:code", Procedure.objects.order_by("pk"), "code")
    add("/dossiers:lookup", Dossier.objects.exclude(code="").order_by("pk"), "code")
    add("/feedback:code", Report.objects.order_by("pk"), "code")
    add("/indicators:code", Indicator.objects.order_by("pk"), "code")
    add("/indicators/data-sets:code", DataSet.objects.order_by("pk"), "code")
    add("/outreach/clusters:code", outreach.Cluster.objects.order_by("pk"), "code")
    add("slug", outreach.News.objects.order_by("pk"), "slug")
    add("framework", DtiFramework.objects.order_by("pk"), "code")
    add("/units:code", Unit.objects.order_by("pk"), "code")
    add("agency_id", Agency.objects.order_by("pk"))
    add("official_id", User.objects.filter(kind=User.Kind.OFFICIAL).order_by("pk"))
    add("question_id", Question.objects.order_by("pk"), limit=6)
    for name, model in (
        ("campaign_id", "Campaign"),
        ("content_id", "Content"),
        ("dispatch_id", "Dispatch"),
        ("slot_id", "BroadcastSlot"),
        ("survey_id", "Survey"),
        ("team_id", "Team"),
    ):
        if hasattr(outreach, model):
            add(name, getattr(outreach, model).objects.order_by("pk"))
    return values


def _path_choices(operation, known):
    """Concrete path-parameter sets built from demo records (empty: none known)."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return []
    path = operation.path.removeprefix("/api/v1")
    choices = {}
    for name in names:
        candidates = known.get(name)
        if name == "code":
            prefix = next(
                (key for key in known if ":" in key and path.startswith(key.split(":")[0] + "/")),
                None,
            )
            if path.startswith("/dossiers/lookup/"):
                prefix = "/dossiers:lookup"
            if path.startswith("/indicators/data-sets/"):
                prefix = "/indicators/data-sets:code"
            candidates = known.get(prefix) if prefix else None
        if not candidates:
            return []
        choices[name] = candidates
    width = min(PATH_CHOICES, max(len(v) for v in choices.values()))
    return [{name: vals[i % len(vals)] for name, vals in choices.items()} for i in range(width)]


def _session_for(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)  # 32 characters: Django's unmasked CSRF secret length
    return {"sessionid": client.cookies[settings.SESSION_COOKIE_NAME].value, "csrftoken": token}


def _fuzz_operation(operation, *, cookies, headers, known, failures):
    strategies = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategies.append(operation.as_strategy(generation_mode=mode))
        for path_parameters in _path_choices(operation, known):
            strategies.append(
                operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            )
    app = WSGIHandler()

    @hypothesis_settings(
        max_examples=EXAMPLES * len(strategies),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=st.one_of(strategies))
    def run(case):
        response = case.call(app=app, base_url=BASE_URL, headers=headers, cookies=cookies)
        case.validate_response(response, checks=CHECKS, headers=headers)

    started = time.monotonic()
    try:
        run()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # schemathesis' FailureGroup is a BaseExceptionGroup
        failures.append(f"{operation.label}:\n{exc}")
    TIMINGS[operation.label] = TIMINGS.get(operation.label, 0) + time.monotonic() - started


TIMINGS: dict[str, float] = {}
CALLERS = ["anonymous", "citizen", "officer"]


def load_fuzz_province() -> None:
    """The demo province, lighter: one commune, and the modules' records through their loaders.

    ``load_demo`` in full takes minutes (dossiers in every state in three communes, a year of
    indicator values for every commune); the fuzz needs every kind of record, not volume.
    """
    from tinhso.dossiers import demo as dossiers_demo
    from tinhso.indicators import boards, loaders
    from tinhso.units.selectors import unit_by_codename

    with (
        mock.patch.object(portal_demo, "DEMO_MODULES", ["feedback", "qa", "outreach"]),
        mock.patch.object(portal_demo, "DEMO_COMMUNES", ["17329"]),
    ):
        portal_demo.load_demo(province="nghe_an")
    dossiers_demo.load_demo(province=unit_by_codename("nghe_an"))
    loaders.load_all()
    boards.load_shipped_boards()


@pytest.fixture(scope="module")
def fuzz_province(django_db_setup, django_db_blocker):
    # Loaded once for the three callers; each test runs in a transaction rolled back at its
    # end, so every caller starts from the same records. Emptied when the module is done.
    try:
        with django_db_blocker.unblock():
            load_fuzz_province()
            known = _known_values()
        yield known
    finally:
        # Also when the load failed half-way: the rows are committed, and the next tests of
        # this worker expect an empty database.
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_answers_within_its_contract(caller, fuzz_province, db, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    cookies: dict[str, str] = {}
    headers: dict[str, str] = {}
    if caller != "anonymous":
        if caller == "citizen":
            user = User.objects.filter(kind=User.Kind.CITIZEN).order_by("pk").first()
        else:
            user = User.objects.get(username="motcua.anhson")
        cookies = _session_for(user)
        headers = {"X-CSRFToken": cookies["csrftoken"]}
    started, cpu = time.monotonic(), time.process_time()
    TIMINGS.clear()
    failures: list[str] = []
    # Like Django's test client: the end of a request must not close the connection that
    # holds the test's transaction (PostgreSQL would lose it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        for operation in _operations():
            _fuzz_operation(
                operation, cookies=cookies, headers=headers, known=fuzz_province, failures=failures
            )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    slowest = sorted(TIMINGS.items(), key=lambda item: -item[1])[:15]
    print(
        f"fuzz {caller}: {time.monotonic() - started:.1f}s wall,"
        f" {time.process_time() - cpu:.1f}s CPU; slowest:",
        slowest,
    )
    assert not failures, f"{len(failures)} operation(s) broke the contract:\n\n" + "\n\n".join(
        failures
    )
