"""``cache.config.read_cached_server_info``: the one tolerant reader of a cached
``server_config`` (bestrefs and certify prefer it when it is there and usable)."""

from __future__ import annotations

import json
import pprint
from pathlib import Path

from opencrds.cache.config import read_cached_server_info
from opencrds.protocol import ServerInfo

WIRE = {"observatory": "hst", "operational_context": "hst_0729.pmap",
        "edit_context": "hst_0730.pmap", "bad_files_list": ["a.fits"]}


def test_python_literal_and_json_both_read(tmp_path: Path) -> None:
    literal, as_json = tmp_path / "literal", tmp_path / "json"
    literal.write_text(pprint.pformat(WIRE) + "\n")
    as_json.write_text(json.dumps(WIRE))
    for path in (literal, as_json):
        info = read_cached_server_info(path)
        assert info.operational_context == "hst_0729.pmap"
        assert info.to_wire() == WIRE


def test_missing_unreadable_or_wrong_files_give_an_empty_info(tmp_path: Path) -> None:
    cases = {"missing": None, "not a dict": "[1, 2]", "garbage": "{not: valid",
             "wrong type": pprint.pformat({**WIRE, "mappings": 3}),
             "binary": b"\xff\xfe\x00"}
    for name, content in cases.items():
        path = tmp_path / name.replace(" ", "_")
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif content is not None:
            path.write_text(content)
        assert read_cached_server_info(path) == ServerInfo(), name
