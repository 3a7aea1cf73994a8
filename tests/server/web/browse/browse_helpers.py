"""What the browse page tests share: running on SQLite only (the pages' queries are plain
ORM filters, tested on both backends by the catalog tests) and reading tables out of HTML."""

from __future__ import annotations

import html
import re

import pytest

#: Run a module's tests on SQLite only: ``pytestmark = [SQLITE_ONLY, ...]``.
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def table(page: str, table_id: str) -> list[list[str]]:
    """The rows (cell texts, tags stripped) of the table ``table_id`` in ``page``."""
    match = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', page, re.S)
    assert match, f"no table #{table_id}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def element(page: str, element_id: str) -> str:
    """The inner HTML of the (not nested) element with ``element_id``."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element #{element_id}"
    return match.group(2)
