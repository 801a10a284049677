# ruff: noqa: S608 - SQL built from module constants; user words are parameters.
"""Search of published questions without diacritics, ranked title > question > answer.

The services keep folded copies (``kernel.text.fold``: no diacritics, đ → d, lower case) of
the title, the question and the answer in ``title_folded``, ``body_folded`` and
``answer_folded``. A query is folded the same way, so "dich vu cong truc tuyen" and
"Dịch vụ công trực tuyến" are the same words. No row is ever read into Python to be scored:

- **PostgreSQL**: full-text search (SearchQuery/SearchRank, 'simple' configuration) over
  ``setweight(to_tsvector('simple', title), 'A') || … 'B' || … 'C'``, kept in a stored
  generated column ``search_document`` with a GIN index (``qa_search_gin``), ranked by
  ``ts_rank`` (A = 1.0, B = 0.4, C = 0.2). Stored, so ranking reads the vector instead of
  re-parsing every matching question's text.
- **SQLite**: an FTS5 table ``qa_question_fts`` over the three folded columns (external
  content, kept by triggers on ``qa_question``), ranked by ``bm25`` with column weights
  100 / 10 / 1.

Both are created by migration 0001 (``install_search_index``), each only on its own database.
"""

from __future__ import annotations

import itertools
import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from tinhso.kernel.text import fold

MAX_TERMS = 12
SUGGESTION_TERMS = 6
FTS_TABLE = "qa_question_fts"
GIN_INDEX = "qa_search_gin"
# bm25 weight of each column (title, question, answer): a match in the title outranks any
# number of matches in the question, which outrank the answer.
BM25_WEIGHTS = (100.0, 10.0, 1.0)
_WORD_RE = re.compile(r"\w+")
# Broad queries ("dich vu cong" matches one question in six): the count stops past COUNT_CAP
# ("more than 1,000") and only the RANK_CANDIDATES most recent matches are ranked (the same
# set for every page, so pages never overlap), instead of scoring and sorting every match. A
# query with at most COUNT_CAP matches is counted and ranked exactly. The pages offer
# COUNT_CAP results at most, so RANK_CANDIDATES >= COUNT_CAP.
COUNT_CAP = 1000
RANK_CANDIDATES = 2000


# Words of a typed question that say nothing about its subject; suggestions ignore them so
# "xin hỏi có được không" does not match every question.
STOP_WORDS = frozenset(
    [
        "a",
        "ai",
        "bao",
        "cho",
        "co",
        "cua",
        "de",
        "duoc",
        "gi",
        "hoi",
        "khong",
        "la",
        "lam",
        "minh",
        "nao",
        "neu",
        "nhu",
        "nhung",
        "o",
        "roi",
        "sao",
        "thi",
        "toi",
        "tu",
        "va",
        "ve",
        "vay",
        "voi",
        "xin",
    ]
)


def terms(text: str, *, drop_stop_words: bool = False) -> list[str]:
    """The folded words of a query, at most ``MAX_TERMS``, duplicates dropped."""
    seen: list[str] = []
    for word in _WORD_RE.findall(fold(text or "")):
        word = word.strip("_")
        if word and word not in seen and not (drop_stop_words and word in STOP_WORDS):
            seen.append(word)
    return seen[:MAX_TERMS]


# PostgreSQL: the weighted document is a stored generated column (computed once per write,
# not per query), added by migration 0001 outside the model so SQLite never sees it.
PG_DOCUMENT_SQL = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(title_folded, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body_folded, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(answer_folded, '')), 'C')"
)


def search_document() -> RawSQL:
    """The stored weighted document of a question (PostgreSQL); the GIN index is on it."""
    return RawSQL('"qa_question"."search_document"', [], output_field=SearchVectorField())


def _groups(parts: list[str], *, any_word: bool) -> list[list[str]]:
    """Alternatives, each a list of parts that must all match: every part (search), or any
    two of them (suggestions: one shared word alone is mostly noise — "hồ sơ" and "sổ đỏ"
    share "so" once folded)."""
    if not any_word:
        return [parts]
    if len(parts) < 2:
        return [[part] for part in parts]
    return [list(pair) for pair in itertools.combinations(parts, 2)]


def _pg_query(words: list[str], *, any_word: bool, prefix_last: bool) -> SearchQuery:
    parts = [f"'{word}'" for word in words]  # \w+ holds no quote
    if prefix_last:
        parts[-1] += ":*"
    groups = _groups(parts, any_word=any_word)
    raw = " | ".join("(" + " & ".join(group) + ")" for group in groups)
    return SearchQuery(raw, search_type="raw", config="simple")


def _fts_query(words: list[str], *, any_word: bool, prefix_last: bool) -> str:
    parts = [f'"{word}"' for word in words]  # \w+ holds no double quote
    if prefix_last:
        parts[-1] += "*"
    groups = _groups(parts, any_word=any_word)
    return " OR ".join("(" + " AND ".join(group) + ")" for group in groups)


def rank_search(
    queryset: QuerySet,
    text: str,
    *,
    any_word: bool = False,
    prefix_last: bool = False,
    bounded: bool = False,
) -> QuerySet | FtsResults | PgResults:
    """``queryset`` narrowed to the questions matching ``text`` and ordered best first, with
    the score as ``search_rank`` (higher is better).

    On PostgreSQL a QuerySet; on SQLite an ``FtsResults`` (sliced, counted and iterated like
    one, which is all the pages and the API paginators do).

    ``any_word``: a question matching any two of the words qualifies (suggestions); otherwise
    every word must match (search). ``prefix_last``: the last word may be unfinished (typing).
    An empty query leaves ``queryset`` as it is.

    ``bounded`` (the public search): an ``FtsResults`` / ``PgResults`` whose ``count()`` stops
    at ``COUNT_CAP`` (``capped`` says there are more) and which, past that many matches,
    ranks only the ``RANK_CANDIDATES`` most recent ones (see ``COUNT_CAP``).
    """
    words = terms(text, drop_stop_words=any_word)
    if prefix_last and len(words) > 1 and len(words[-1]) < 2:
        # One letter typed so far would match half the language: wait for the next.
        words = words[:-1]
    if any_word:
        # Pairs grow as n²: the last words typed say most about what is being asked.
        words = words[-SUGGESTION_TERMS:]
    if not words:
        return queryset
    options = {"any_word": any_word, "prefix_last": prefix_last}
    if connection.vendor == "postgresql":
        query = _pg_query(words, **options)
        if bounded:
            return PgResults(queryset, query)
        return _pg_ranked(queryset, query)
    if connection.vendor == "sqlite":
        return FtsResults(queryset, _fts_query(words, **options), bounded=bounded)
    # Another database: every word in one of the folded columns (no ranking index).
    from django.db.models import Q

    condition = Q()
    for word in words:
        one = Q(title_folded__contains=word) | Q(body_folded__contains=word)
        one |= Q(answer_folded__contains=word)
        condition = (condition | one) if any_word else (condition & one)
    return queryset.filter(condition)  # pragma: no cover - neither SQLite nor PostgreSQL


def _pg_matching(queryset: QuerySet, query: SearchQuery) -> QuerySet:
    return queryset.annotate(search_document=search_document()).filter(search_document=query)


def _pg_ranked(queryset: QuerySet, query: SearchQuery) -> QuerySet:
    return (
        _pg_matching(queryset, query)
        .annotate(search_rank=SearchRank(F("search_document"), query))
        .order_by("-search_rank", "-published_at", "-pk")
    )


class _Bounded:
    """Counting up to COUNT_CAP, slicing, iterating: what the pages and the paginators use."""

    capped = False

    def _count_upto(self, cap: int) -> int:
        raise NotImplementedError

    def _fetch(self, limit: int, offset: int) -> list:
        raise NotImplementedError

    def matches(self) -> int:
        """The number of matches, up to ``COUNT_CAP + 1`` (then ``capped``)."""
        if self._matches is None:
            self._matches = self._count_upto(COUNT_CAP + 1)
            self.capped = self._matches > COUNT_CAP
        return self._matches

    def count(self) -> int:
        """The number of matches, at most ``COUNT_CAP``: pages past it are not offered."""
        return min(self.matches(), COUNT_CAP)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("Search results slices have no step.")
            start = key.start or 0
            if key.stop is None:
                return self._fetch(-1, start)
            return self._fetch(max(key.stop - start, 0), start)
        found = self._fetch(1, key)
        if not found:
            raise IndexError(key)
        return found[0]

    def __iter__(self):
        return iter(self._fetch(-1, 0))

    def exists(self) -> bool:
        return bool(self._fetch(1, 0))


class PgResults(_Bounded):
    """Ranked matches on PostgreSQL for a broad query: counted up to COUNT_CAP; past it,
    ts_rank scores only the most recent matches (a LIMITed scan), not all of them."""

    def __init__(self, queryset: QuerySet, query: SearchQuery) -> None:
        self.queryset, self.query = queryset, query
        self._matches: int | None = None

    def _count_upto(self, cap: int) -> int:
        return _pg_matching(self.queryset.order_by(), self.query)[:cap].count()

    def _fetch(self, limit: int, offset: int) -> list:
        ranked = _pg_ranked(self.queryset, self.query)
        if self.matches() > COUNT_CAP:
            size = RANK_CANDIDATES
            # Two queries, not a subquery: search_document() names the outer table.
            recent = _pg_matching(self.queryset.order_by(), self.query).order_by("-pk")
            pks = list(recent.values_list("pk", flat=True)[:size])
            ranked = _pg_ranked(self.queryset.filter(pk__in=pks), self.query)
        if limit < 0:
            return list(ranked[offset:])
        return list(ranked[offset : offset + limit])


class FtsResults(_Bounded):
    """Ranked matches on SQLite, in one FTS5 query each for a page and for the count.

    bm25() is computed once per match inside the FTS5 query (a correlated subquery per row
    would redo the whole MATCH for every row). ``queryset``'s own filters (published, scope)
    become a subquery joined on the rowid, so SQLite drives the query from the index.
    """

    def __init__(self, queryset: QuerySet, match: str, *, bounded: bool = False) -> None:
        self.queryset = queryset
        self.match = match
        self.bounded = bounded
        self._count: int | None = None
        self._matches: int | None = None
        base_sql, base_params = queryset.order_by().values(fts_pk=F("pk")).query.sql_with_params()
        self._join = (
            # CROSS JOIN: SQLite keeps this order, so the MATCH runs once and drives the join
            # (left free, the planner may scan the table and run the MATCH for every row).
            f"FROM {FTS_TABLE} CROSS JOIN ({base_sql}) AS base "
            f"ON base.fts_pk = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s"
        )
        self._params = [*base_params, match]

    def sql_with_params(self, limit: int = -1, offset: int = 0) -> tuple[str, list]:
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        # bm25 is lower for better matches; negate it so "higher is better" holds everywhere.
        scored = f"SELECT {FTS_TABLE}.rowid AS rowid, -bm25({FTS_TABLE}, {weights}) AS search_rank "
        if self.bounded and self.matches() > COUNT_CAP:
            size = RANK_CANDIDATES
            # A broad query: FTS5 hands the matches newest first (rowid order, no sort) and
            # stops after ``size`` of them; only those are scored and sorted.
            sql = (
                f"SELECT rowid, search_rank FROM ({scored}{self._join} "
                f"ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s) "
                "ORDER BY search_rank DESC, rowid DESC LIMIT %s OFFSET %s"
            )
            return sql, [*self._params, size, limit, offset]
        sql = f"{scored}{self._join} ORDER BY search_rank DESC, rowid DESC LIMIT %s OFFSET %s"
        return sql, [*self._params, limit, offset]

    def _count_upto(self, cap: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 {self._join} LIMIT %s)", [*self._params, cap]
            )
            return cursor.fetchone()[0]

    def _fetch(self, limit: int, offset: int) -> list:
        sql, params = self.sql_with_params(limit, offset)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ranked = cursor.fetchall()
        objects = self.queryset.order_by().in_bulk([pk for pk, _rank in ranked])
        found = []
        for pk, rank in ranked:
            obj = objects.get(pk)
            if obj is not None:
                obj.search_rank = rank
                found.append(obj)
        return found

    def count(self) -> int:
        if self.bounded:
            return super().count()
        if self._count is None:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) {self._join}", self._params)
                self._count = cursor.fetchone()[0]
        return self._count


# --- the indexes, installed by migration 0001 ---------------------------------------------------

_SQLITE_INSTALL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title_folded, body_folded, answer_folded, "
    "content='qa_question', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS qa_question_fts_ai AFTER INSERT ON qa_question BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title_folded, body_folded, answer_folded) "
    "VALUES (new.id, new.title_folded, new.body_folded, new.answer_folded); END",
    f"CREATE TRIGGER IF NOT EXISTS qa_question_fts_ad AFTER DELETE ON qa_question BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_folded, body_folded, answer_folded) "
    "VALUES ('delete', old.id, old.title_folded, old.body_folded, old.answer_folded); END",
    "CREATE TRIGGER IF NOT EXISTS qa_question_fts_au AFTER UPDATE OF "
    "title_folded, body_folded, answer_folded ON qa_question BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_folded, body_folded, answer_folded) "
    "VALUES ('delete', old.id, old.title_folded, old.body_folded, old.answer_folded); "
    f"INSERT INTO {FTS_TABLE}(rowid, title_folded, body_folded, answer_folded) "
    "VALUES (new.id, new.title_folded, new.body_folded, new.answer_folded); END",
    # Rows that existed before the index (none on a fresh install).
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]
_SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS qa_question_fts_ai",
    "DROP TRIGGER IF EXISTS qa_question_fts_ad",
    "DROP TRIGGER IF EXISTS qa_question_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


_PG_INSTALL = [
    f"ALTER TABLE qa_question ADD COLUMN search_document tsvector "
    f"GENERATED ALWAYS AS ({PG_DOCUMENT_SQL}) STORED",
    f"CREATE INDEX {GIN_INDEX} ON qa_question USING gin (search_document)",
]
_PG_UNINSTALL = [
    f"DROP INDEX IF EXISTS {GIN_INDEX}",
    "ALTER TABLE qa_question DROP COLUMN IF EXISTS search_document",
]


def install_search_index(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in _SQLITE_INSTALL:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in _PG_INSTALL:
            schema_editor.execute(statement)


def uninstall_search_index(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in _SQLITE_UNINSTALL:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in _PG_UNINSTALL:
            schema_editor.execute(statement)
