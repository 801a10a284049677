"""The HTTP API under /api/v1/qa: ask (idempotent), public search, flag, vote, officer queue
and actions (409 on forbidden transitions), scope."""

import pytest
from django.urls import reverse

from tinhso.qa.models import Question
from tinhso.qa.tests.factories import QuestionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"api:{name}", args=args)


def post(client, path, body=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body or {}, content_type="application/json", headers=headers)


ASK = {
    "title": "Đăng ký tài khoản dịch vụ công trực tuyến",
    "body": "Tôi chưa có tài khoản định danh điện tử mức 2 thì đăng ký thế nào?",
}


def test_ask_needs_sign_in(client, qa):
    assert post(client, url("qa_question_create"), ASK, key="k1").status_code == 401


def test_ask_is_idempotent(client, qa):
    TopicFactory(code="dich-vu-cong", name="Dịch vụ công trực tuyến")
    client.force_login(qa.citizen)
    body = {**ASK, "agency_id": qa.agency_a.pk, "field": "dich-vu-cong"}
    first = post(client, url("qa_question_create"), body, key="hoi-1")
    assert first.status_code == 201, first.json()
    again = post(client, url("qa_question_create"), body, key="hoi-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert Question.objects.filter(asker=qa.citizen).count() == 1
    data = first.json()
    assert data["status"] == "assigned" and data["agency"]["id"] == qa.agency_a.pk
    assert data["field"] == "Dịch vụ công trực tuyến"
    assert data["answer"] is None
    assert data["allowed_actions"] == ["withdraw"]
    missing = post(client, url("qa_question_create"), body)
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    reused = post(client, url("qa_question_create"), {**body, "title": "Khác hẳn"}, key="hoi-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_ask_errors_are_codes_in_vietnamese(client, qa):
    client.force_login(qa.citizen)
    response = post(client, url("qa_question_create"), {**ASK, "title": "Hỏi"}, key="k2")
    assert response.status_code == 422
    assert response.json()["code"] == "qa_title_invalid"
    assert "từ 5 đến 200 ký tự" in response.json()["message"]
    response = post(client, url("qa_question_create"), {**ASK, "agency_id": 999999}, key="k3")
    assert response.json()["code"] == "qa_agency_unknown"


def test_officials_do_not_ask(client, qa):
    client.force_login(qa.drafter)
    response = post(client, url("qa_question_create"), ASK, key="k4")
    assert response.status_code == 403 and response.json()["code"] == "qa_asker_required"


def test_public_search_without_diacritics(client, qa):
    hit = QuestionFactory(
        agency=qa.agency_a, title="Nộp hồ sơ trên Cổng dịch vụ công trực tuyến", published=True
    )
    QuestionFactory(agency=qa.agency_a, title="Cấp sổ đỏ lần đầu", published=True)
    QuestionFactory(agency=qa.agency_a, title="Chưa trả lời: dịch vụ công", in_state="drafting")
    response = client.get(url("qa_question_list"), {"q": "dich vu cong truc tuyen"})
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [hit.pk]
    assert response.json()["count"] == 1
    detail = client.get(url("qa_question_detail", hit.pk)).json()
    assert detail["answer"] and detail["answered_by"] == "UBND xã An"
    suggestions = client.get(url("qa_suggestions"), {"q": "cổng dịch vụ cô"}).json()
    assert suggestions[0]["id"] == hit.pk


def test_draft_is_never_public(client, qa):
    question = QuestionFactory(agency=qa.agency_a, in_state="drafting")
    assert client.get(url("qa_question_detail", question.pk)).status_code == 404
    client.force_login(question.asker)
    assert client.get(url("qa_question_detail", question.pk)).json()["answer"] is None


def test_flag_and_vote(client, qa):
    question = QuestionFactory(agency=qa.agency_a, published=True)
    client.force_login(qa.other_citizen)
    response = post(client, url("qa_question_flag", question.pk), {"reason": "spam"})
    assert response.status_code == 201
    again = post(client, url("qa_question_flag", question.pk), {"reason": "spam"})
    assert again.status_code == 409 and again.json()["code"] == "qa_already_flagged"
    bad = post(client, url("qa_question_flag", question.pk), {"reason": "chan"})
    assert bad.status_code == 422
    vote = post(client, url("qa_question_helpful", question.pk))
    assert vote.status_code == 200 and vote.json()["helpful_count"] == 1
    assert post(client, url("qa_question_helpful", question.pk)).status_code == 409


def test_officer_flow_and_409(client, qa):
    question = QuestionFactory(agency=qa.agency_a, asker=qa.citizen)
    client.force_login(qa.drafter)
    queue = client.get(url("qa_queue")).json()
    assert [item["id"] for item in queue["items"]] == [question.pk]
    too_early = post(client, url("qa_publish", question.pk))
    assert too_early.status_code == 403  # the drafter cannot publish at all
    response = post(client, url("qa_draft", question.pk), {"answer": "Dự thảo câu trả lời."})
    assert response.status_code == 200 and response.json()["status"] == "drafting"
    response = post(client, url("qa_submit", question.pk), {})
    assert response.json()["status"] == "in_review"
    client.force_login(qa.leader)
    conflict = post(client, url("qa_draft", question.pk), {"answer": "Sửa khi đang duyệt."})
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "transition_not_allowed"
    assert conflict.json()["details"]["allowed"] == ["return", "approve", "publish"]
    response = post(client, url("qa_publish", question.pk))
    assert response.status_code == 200 and response.json()["status"] == "published"
    detail = client.get(url("qa_queue_detail", question.pk)).json()
    assert [s["action"] for s in detail["steps"]] == [
        "submit",
        "start_draft",
        "submit_for_review",
        "publish",
    ]


def test_officer_queue_scope(client, qa):
    QuestionFactory(agency=qa.agency_a)
    other = QuestionFactory(agency=qa.agency_b)
    client.force_login(qa.drafter)
    assert client.get(url("qa_queue_detail", other.pk)).status_code == 404
    assert (
        post(client, url("qa_draft", other.pk), {"answer": "Không được phép."}).status_code == 404
    )
    client.force_login(qa.citizen)
    assert client.get(url("qa_queue")).json()["count"] == 0


def test_route_and_forward(client, qa):
    question = QuestionFactory(agency=None)
    client.force_login(qa.desk)
    response = post(client, url("qa_route", question.pk), {"agency_id": qa.agency_a.pk})
    assert response.status_code == 200 and response.json()["agency"]["id"] == qa.agency_a.pk
    client.force_login(qa.drafter)
    response = post(
        client, url("qa_forward", question.pk), {"agency_id": qa.agency_b.pk, "reason": ""}
    )
    assert response.status_code == 422 and response.json()["code"] == "qa_reason_required"
    response = post(
        client,
        url("qa_forward", question.pk),
        {"agency_id": qa.agency_b.pk, "reason": "Thuộc thẩm quyền xã Bình"},
    )
    assert response.status_code == 200 and response.json()["status"] == "forwarded"
