"""The API schema is a contract: the committed docs/openapi.json must match the code."""

import difflib
import json
import re
from pathlib import Path

from django.conf import settings

from tinhso.portal.management.commands.openapi import openapi_document

COMMITTED = Path(settings.PROJECT_DIR) / "docs" / "openapi.json"


def test_committed_openapi_schema_matches_the_code():
    generated = openapi_document()
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.exists() else ""
    if generated != committed:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/openapi.json (committed)",
                "generated from the code",
                n=2,
            )
        )
        raise AssertionError(
            "The API changed but docs/openapi.json did not: run `make schema` and commit it.\n"
            + diff[:4000]
        )


def test_schema_is_served_and_documents_the_error_envelope(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "tinhso API"
    assert json.loads(openapi_document())["paths"] == schema["paths"]


def test_docs_page_is_served_without_any_cdn(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    # Every script and stylesheet comes from our own static files: no network beyond us.
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert not [url for url in assets if url.startswith(("http:", "https:", "//"))]
