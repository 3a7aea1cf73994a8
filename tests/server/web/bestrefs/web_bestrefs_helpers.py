"""Shared by the bestrefs page tests: the page client, the HTML results table as data, the
crds oracle's answer for a header, and page timings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup
from server_helpers import shared_data_dir

TEST_DATA = shared_data_dir() / "crds-test-data"
CRDS_CACHE = shared_data_dir() / "crds-cache"
TIMINGS: list[tuple[str, float]] = []


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def error_text(page: BeautifulSoup) -> str:
    div = page.find(id="error_message")
    return div.get_text(" ", strip=True) if div else ""


def results_table(page: BeautifulSoup, table_id: str = "bestrefs_results",
                  cell: str = "best-reference") -> dict[str, str]:
    """``{type: text of its .best-reference cell}`` of a results table."""
    table = page.find(id=table_id)
    assert table is not None, page.get_text(" ", strip=True)[:2000]
    return {row["data-type"]: row.find(class_=cell).get_text("", strip=True)
            for row in table.select("tr[data-type]")}


def crds_cell(value: Any) -> str:
    """What the page shows for one crds result."""
    if isinstance(value, str):
        if value.upper().startswith("NOT FOUND"):
            rest = value[len("NOT FOUND"):].strip()
            return "N/A" if rest.upper() == "N/A" else value
        return value
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)


def oracle_answers(crds: Any, context: str, path: Path) -> dict[str, str]:
    """The real crds client's best references for the dataset file ``path``, as cells."""
    from crds import data_file
    from crds.core import rmap

    header = data_file.get_header(str(path))
    return {k: crds_cell(v) for k, v in rmap.get_best_references(context, header).items()}


@contextmanager
def timed(label: str) -> Iterator[None]:
    """Record (and print) how long a page took in the server."""
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    TIMINGS.append((label, elapsed))
    print(f"PAGE {label}: {elapsed * 1000:.0f} ms")
