"""The API's one pagination: ``?limit=&offset=`` with both bounded.

django-ninja's ``LimitOffsetPagination`` takes any ``offset`` and, unless configured, any
``limit``: ``?offset=10000000000000000000`` reached the database, which SQLite refused
("datatype mismatch", a 500) and PostgreSQL would too past a bigint. Every list endpoint
uses this class instead (``@paginate(LimitOffsetPagination)``), so an out-of-range value is
a 422 naming the field.
"""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination as NinjaLimitOffsetPagination

PER_PAGE = 100
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000  # far past any real list, far below any database's integer limit


class LimitOffsetPagination(NinjaLimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(PER_PAGE, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, max_limit: int = MAX_LIMIT, **kwargs) -> None:
        super().__init__(max_limit=max_limit, **kwargs)
