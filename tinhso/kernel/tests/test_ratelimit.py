"""The shared submission limiter: windows, processes, and every submission it guards.

Each endpoint test sends one more submission than the limit allows and checks what a client
sees (429, ``rate_limited``, the Vietnamese message, ``Retry-After``) and that the refused one
created nothing.
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from tinhso.accounts.tests.factories import CitizenFactory
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.tests.factories import ProcedureFactory, answers_for, desk_setup
from tinhso.feedback.models import Report

# The modules' own fixtures: a feedback world (categories, routing) and an Open311 client.
from tinhso.feedback.tests.conftest import open311_client, world  # noqa: F401
from tinhso.feedback.tests.factories import VINH, near
from tinhso.kernel import ratelimit
from tinhso.qa.models import Question
from tinhso.qa.tests.conftest import qa  # noqa: F401
from tinhso.qa.tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

VIETNAMESE = "Bạn đã gửi quá nhiều yêu cầu"


def assert_refused(response, *, window: int = 600) -> None:
    """A 429 with the code, the Vietnamese message and a sensible Retry-After."""
    assert response.status_code == 429, response.content[:300]
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= window
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        assert body["code"] == "rate_limited"
        assert body["message"].startswith(VIETNAMESE)
    else:
        assert VIETNAMESE in response.content.decode()


# --- the counter ------------------------------------------------------------------------------


def test_a_fixed_window_counts_then_refuses_then_opens_again(monkeypatch):
    now = [1_800_000_000.0]  # 30 s into a 60 s window (1_800_000_000 // 60 * 60 = ...-20)
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    start = 1_800_000_000 // 60 * 60
    bucket = f"test:{uuid.uuid4().hex}"
    assert [ratelimit.hit(bucket, 3, 60) for _ in range(3)] == [None, None, None]
    assert ratelimit.hit(bucket, 3, 60) == start + 60 - 1_800_000_000
    now[0] = start + 60.5  # the next window
    assert ratelimit.hit(bucket, 3, 60) is None


def test_a_limit_of_zero_is_no_limit():
    bucket = f"test:{uuid.uuid4().hex}"
    assert all(ratelimit.hit(bucket, 0, 60) is None for _ in range(50))


def test_settings_and_per_kind_overrides(settings):
    settings.TINHSO_RATE_LIMIT_PER_USER = 7
    settings.TINHSO_RATE_LIMIT_PER_IP = 70
    settings.TINHSO_RATE_LIMIT_WINDOW = 300
    settings.TINHSO_RATE_LIMITS = {"qa.ask": {"user": 2, "window": 3600}}
    assert ratelimit.limit_for("dossiers.submit") == ratelimit.Limit(user=7, ip=70, window=300)
    assert ratelimit.limit_for("qa.ask") == ratelimit.Limit(user=2, ip=70, window=3600)


HAMMER = """
import sys, django
django.setup()
from tinhso.kernel import ratelimit
allowed = sum(ratelimit.hit(sys.argv[1], 40, 3600) is None for _ in range(25))
print(allowed)
"""


def _hammer_from_processes(env_extra: dict, processes: int = 4) -> int:
    """Start ``processes`` Python processes hitting one bucket 25 times each, all at once."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.settings", **env_extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    bucket = f"test:procs:{uuid.uuid4().hex}"
    running = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, bucket],
            env=env,
            cwd=settings.PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    total = 0
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        total += int(out.strip().splitlines()[-1])
    return total


def test_the_limit_holds_across_processes_with_the_embedded_file_cache(tmp_path):
    # 4 processes x 25 hits = 100 against a limit of 40: exactly 40 get through, none lost.
    allowed = _hammer_from_processes(
        {"TINHSO_VAR_DIR": str(tmp_path), "TINHSO_CACHE_DIR": str(tmp_path / "cache")}
    )
    assert allowed == 40


@pytest.mark.skipif(
    not os.environ.get("TINHSO_TEST_REDIS_URL"), reason="TINHSO_TEST_REDIS_URL is not set"
)
def test_the_limit_holds_across_processes_with_redis(tmp_path):
    allowed = _hammer_from_processes(
        {"TINHSO_VAR_DIR": str(tmp_path), "REDIS_URL": os.environ["TINHSO_TEST_REDIS_URL"]}
    )
    assert allowed == 40


# --- dossiers ---------------------------------------------------------------------------------


@pytest.fixture
def filing(db):
    setup = desk_setup()
    procedure = ProcedureFactory()
    citizen = CitizenFactory()
    return setup, procedure, citizen


def _dossier_body(setup, procedure, citizen):
    return {
        "procedure_code": procedure.code,
        "agency_id": setup.desk.pk,
        "form_data": answers_for(citizen),
    }


def test_dossier_create_api_is_limited_per_user(client, settings, filing):
    settings.TINHSO_RATE_LIMIT_PER_USER = 2
    setup, procedure, citizen = filing
    client.force_login(citizen)
    path = reverse("api:dossiers_create")
    body = _dossier_body(setup, procedure, citizen)
    for n in range(2):
        created = client.post(
            path, body, content_type="application/json", headers={"Idempotency-Key": f"k{n}"}
        )
        assert created.status_code == 201, created.json()
    refused = client.post(
        path, body, content_type="application/json", headers={"Idempotency-Key": "k3"}
    )
    assert_refused(refused)
    assert Dossier.objects.filter(applicant=citizen).count() == 2
    # The same user from another address is still the same user.
    again = client.post(
        path, body, content_type="application/json", headers={"Idempotency-Key": "k4"},
        REMOTE_ADDR="203.0.113.50",
    )  # fmt: skip
    assert_refused(again)
    # Another citizen behind the same address is not held back by the first one's limit.
    other = CitizenFactory()
    client.force_login(other)
    body = _dossier_body(setup, procedure, other)
    ok = client.post(path, body, content_type="application/json", headers={"Idempotency-Key": "k5"})
    assert ok.status_code == 201


def test_dossier_submit_api_is_limited_before_the_dossier_moves(client, settings, filing):
    settings.TINHSO_RATE_LIMITS = {"dossiers.submit": {"user": 1}}
    setup, procedure, citizen = filing
    client.force_login(citizen)
    ids = []
    for n in range(2):
        created = client.post(
            reverse("api:dossiers_create"),
            _dossier_body(setup, procedure, citizen),
            content_type="application/json",
            headers={"Idempotency-Key": f"d{n}"},
        )
        ids.append(created.json()["id"])
    first = client.post(reverse("api:dossiers_submit", args=[ids[0]]))
    # Whatever the first answer (papers may be missing), it was counted; the second is refused.
    assert first.status_code != 429
    refused = client.post(reverse("api:dossiers_submit", args=[ids[1]]))
    assert_refused(refused)
    assert Dossier.objects.get(pk=ids[1]).status == "draft"


def test_dossier_start_page_is_limited(client, settings, filing):
    settings.TINHSO_RATE_LIMIT_PER_USER = 1
    setup, procedure, citizen = filing
    client.force_login(citizen)
    path = reverse("dossiers:file_start", args=[procedure.code])
    assert client.post(path, {"agency": setup.desk.pk}).status_code == 302
    refused = client.post(path, {"agency": setup.desk.pk})
    assert_refused(refused)
    assert "<h1>" in refused.content.decode()  # a page for people, in the site's layout
    assert Dossier.objects.filter(applicant=citizen).count() == 1
    # Reading the page is never counted.
    assert client.get(path).status_code == 200


# --- field reports ----------------------------------------------------------------------------


def _report_body():
    return {
        "category": "o-ga",
        "description": "Ổ gà sâu trước cổng chợ",
        "latitude": near(VINH, 10)[0],
        "longitude": VINH[1],
    }


def test_anonymous_field_reports_are_limited_per_address(client, settings, world):  # noqa: F811
    settings.TINHSO_RATE_LIMIT_PER_IP = 2
    path = "/api/v1/feedback/reports"
    for n in range(2):
        sent = client.post(
            path, _report_body(), content_type="application/json",
            headers={"Idempotency-Key": f"r{n}"},
        )  # fmt: skip
        assert sent.status_code == 201, sent.json()
    refused = client.post(
        path, _report_body(), content_type="application/json", headers={"Idempotency-Key": "r3"}
    )
    assert_refused(refused)
    assert Report.objects.count() == 2
    elsewhere = client.post(
        path, _report_body(), content_type="application/json",
        headers={"Idempotency-Key": "r4"}, REMOTE_ADDR="198.51.100.7",
    )  # fmt: skip
    assert elsewhere.status_code == 201


def test_the_field_report_page_is_limited(client, settings, world):  # noqa: F811
    settings.TINHSO_RATE_LIMIT_PER_IP = 1
    data = {
        "submission_key": "",
        "category": world.roads.service_code,
        "description": "Ổ gà sâu trước nhà số 12.",
        "latitude": "",
        "longitude": "",
        "address": "",
        "commune": world.commune_a.code,
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
    }
    assert client.post(reverse("feedback:new"), data).status_code == 302
    assert_refused(client.post(reverse("feedback:new"), data))
    assert Report.objects.count() == 1


def test_open311_requests_are_limited_with_the_spec_error_shape(
    client,
    settings,
    world,  # noqa: F811
    open311_client,  # noqa: F811
):
    settings.TINHSO_RATE_LIMITS = {"feedback.open311_create": {"ip": 1}}
    lat, lon = near(VINH, 5)
    form = {
        "api_key": open311_client.key,
        "service_code": "o-ga",
        "lat": str(lat),
        "long": str(lon),
        "description": "Ổ gà trước số nhà 12",
    }
    first = client.post("/open311/v2/requests.json", form)
    assert first.status_code == 201, first.content
    refused = client.post("/open311/v2/requests.json", form)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 600
    [error] = refused.json()
    assert error["code"] == 429 and error["description"].startswith(VIETNAMESE)
    assert Report.objects.count() == 1


# --- questions --------------------------------------------------------------------------------


def test_questions_are_limited_per_user_on_the_api(client, settings, qa):  # noqa: F811
    settings.TINHSO_RATE_LIMITS = {"qa.ask": {"user": 1}}
    client.force_login(qa.citizen)
    body = {
        "title": "Đăng ký tài khoản dịch vụ công",
        "body": "Tôi chưa có tài khoản định danh điện tử mức 2 thì đăng ký thế nào?",
        "agency_id": qa.agency_a.pk,
    }
    path = reverse("api:qa_question_create")
    ok = client.post(path, body, content_type="application/json", headers={"Idempotency-Key": "q1"})
    assert ok.status_code == 201, ok.json()
    refused = client.post(
        path, body, content_type="application/json", headers={"Idempotency-Key": "q2"}
    )
    assert_refused(refused)
    assert Question.objects.filter(asker=qa.citizen).count() == 1


def test_the_ask_page_is_limited(client, settings, qa):  # noqa: F811
    settings.TINHSO_RATE_LIMITS = {"qa.ask": {"user": 1}}
    TopicFactory(code="dich-vu-cong", name="Dịch vụ công trực tuyến")
    client.force_login(qa.citizen)
    data = {
        "title": "Hỏi về khai sinh",
        "body": "Con tôi sinh ở tỉnh khác thì đăng ký khai sinh ở đâu?",
        "field": "dich-vu-cong",
        "agency": "",
    }
    assert client.post(reverse("qa:ask"), data).status_code == 302
    assert_refused(client.post(reverse("qa:ask"), data))
    assert Question.objects.filter(asker=qa.citizen).count() == 1
