"""Search without diacritics, ranked title > question > answer, on SQLite and PostgreSQL."""

import pytest
from django.db import connection

from tinhso.qa import search, selectors
from tinhso.qa.models import Question
from tinhso.qa.search import rank_search, terms
from tinhso.qa.tests.factories import QuestionFactory

TARGET = "dịch vụ công trực tuyến"


@pytest.fixture
def three(qa):
    """The same words, once in the title, once only in the question, once only in the answer."""
    in_answer = QuestionFactory(
        agency=qa.agency_a,
        title="Hỏi về việc nộp hồ sơ",
        body="Tôi muốn hỏi cách nộp hồ sơ khi ở xa nhà.",
        answer=f"Ông/bà có thể nộp qua Cổng {TARGET} của tỉnh, không cần đến trụ sở.",
        published=True,
    )
    in_body = QuestionFactory(
        agency=qa.agency_a,
        title="Hỏi về tài khoản",
        body=f"Làm sao để đăng ký tài khoản trên Cổng {TARGET}?",
        answer="Ông/bà đăng ký bằng tài khoản định danh điện tử mức 2.",
        published=True,
    )
    in_title = QuestionFactory(
        agency=qa.agency_b,
        title=f"Cổng {TARGET} có thu phí không?",
        body="Tôi thấy có nơi thu phí khi nộp hồ sơ.",
        answer="Việc sử dụng Cổng không mất phí; lệ phí thủ tục theo quy định.",
        published=True,
    )
    unrelated = QuestionFactory(
        agency=qa.agency_b,
        title="Thủ tục cấp giấy chứng nhận quyền sử dụng đất",
        body="Cần giấy tờ gì để cấp sổ đỏ lần đầu?",
        answer="Hồ sơ gồm đơn đăng ký và giấy tờ về nguồn gốc đất.",
        published=True,
    )
    return in_title, in_body, in_answer, unrelated


def test_terms_fold_and_dedupe():
    assert terms("Dịch VỤ công, dịch vụ; ĐẤT-đai!") == ["dich", "vu", "cong", "dat", "dai"]
    assert terms("   ") == []


def test_search_without_diacritics_ranks_title_question_answer(three):
    in_title, in_body, in_answer, _unrelated = three
    found = list(selectors.question_search("dich vu cong truc tuyen"))
    assert found == [in_title, in_body, in_answer], connection.vendor


def test_search_with_diacritics_and_capitals_finds_the_same(three):
    in_title, in_body, in_answer, _ = three
    assert list(selectors.question_search("DỊCH VỤ CÔNG Trực Tuyến")) == [
        in_title,
        in_body,
        in_answer,
    ]


def test_every_word_must_match(three):
    _, _, _, unrelated = three
    assert list(selectors.question_search("so hong dat")) == []
    assert list(selectors.question_search("giay chung nhan dat")) == [unrelated]


def test_d_stroke_folds_to_d(three):
    _, _, _, unrelated = three
    assert list(selectors.question_search("quyen su dung dat")) == [unrelated]


def test_only_published_visible_questions_are_found(qa, three):
    QuestionFactory(agency=qa.agency_a, title=f"Chưa trả lời: {TARGET}", in_state="in_review")
    assert len(selectors.question_search("dich vu cong")) == 3


def test_suggestions_match_any_word_and_an_unfinished_last_word(three):
    in_title, in_body, _in_answer, unrelated = three
    found = selectors.question_suggestions("Cổng dịch vụ công có thu ph")
    assert found[0] == in_title
    assert in_body in found
    # "thu" alone (thủ tục / thu phí) is not enough: a suggestion shares two words.
    assert unrelated not in found
    assert selectors.question_suggestions("ab") == []


def test_search_input_cannot_break_the_query(three):
    for text in ['"', "' OR 1=1 --", "NEAR(a b)", "dich*", ":*", "a & | ! b", "\\"]:
        list(selectors.question_search(text))


def test_answer_edit_is_searchable(qa):
    question = QuestionFactory(agency=qa.agency_a, title="Hỏi về lệ phí", in_state="drafting")
    from tinhso.qa import services

    services.answer_save_draft(
        acting_user=None, question=question, answer="Miễn lệ phí trước bạ cho xe điện."
    )
    services.answer_submit_for_review(acting_user=None, question=question)
    services.answer_publish(acting_user=None, question=question)
    assert list(selectors.question_search("le phi truoc ba")) == [question]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN index is PostgreSQL only")
def test_postgresql_uses_the_gin_index(three):
    qs = rank_search(Question.objects.only("pk"), "dich vu cong")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "qa_search_gin" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite only")
def test_sqlite_uses_fts5(three):
    results = selectors.question_search("dich vu cong")
    sql, params = results.sql_with_params(20, 0)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "qa_question_fts" in plan and "VIRTUAL TABLE" in plan, plan


@pytest.fixture
def six(qa):
    """Six published matches, oldest first: title, question, answer, question, title, answer;
    and a newer one not published yet."""
    where = ["title", "body", "answer", "body", "title", "answer"]
    made = []
    for number, place in enumerate(where):
        text = {
            "title": f"Câu {number}",
            "body": f"Xin hỏi lần thứ {number}",
            "answer": "Đã rõ, xin cảm ơn.",
        }
        text[place] = f"{text[place]} về {TARGET}"
        made.append(QuestionFactory(agency=qa.agency_a, published=True, **text))
    QuestionFactory(agency=qa.agency_a, title=f"Chưa đăng: {TARGET}", in_state="in_review")
    return made


def test_broad_query_counts_up_to_the_cap_and_ranks_the_most_recent(six, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    results = selectors.question_search("dich vu cong")
    assert results.count() == 3 and results.capped
    # The three most recent matches, ranked title > question > answer.
    title_new, question_new, answer_new = six[4], six[3], six[5]
    assert list(results[:3]) == [title_new, question_new, answer_new]
    assert list(results[:2]) + list(results[2:3]) == [title_new, question_new, answer_new]
    assert list(results[3:6]) == []


def test_narrow_query_is_counted_and_ranked_exactly(six, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 6)
    results = selectors.question_search("dich vu cong")
    assert results.count() == 6 and not results.capped
    found = list(results)
    assert set(found[:2]) == {six[0], six[4]}
    assert set(found[2:4]) == {six[1], six[3]}
    assert set(found[4:]) == {six[2], six[5]}


def test_broad_query_page_says_more_than(client, six, monkeypatch):
    from django.urls import reverse

    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr(search, "RANK_CANDIDATES", 3)
    html = client.get(reverse("qa:list"), {"q": "dich vu cong"}).content.decode()
    assert "Hơn 3 câu trả lời cho “dich vu cong”" in html
    monkeypatch.setattr(search, "COUNT_CAP", 1000)
    html = client.get(reverse("qa:list"), {"q": "dich vu cong"}).content.decode()
    assert "6 câu trả lời cho “dich vu cong”" in html and "Hơn" not in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite only")
def test_sqlite_broad_query_reads_the_matches_in_rowid_order(six, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    results = selectors.question_search("dich vu cong")
    sql, params = results.sql_with_params(20, 0)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "VIRTUAL TABLE INDEX" in plan and "qa_question_fts" in plan, plan
    # FTS5 hands the rows newest first: no sort of the whole match set, one of the page.
    assert plan.count("TEMP B-TREE") == 1, plan
