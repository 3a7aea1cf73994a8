"""ServerInfo: the typed ``get_server_info`` result (PROTOCOL.md §3), round trips of the real
``server_config`` snapshots and clear errors for malformed server info."""

from __future__ import annotations

import ast
import json
import pprint
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencrds.cache import config
from opencrds.protocol import ProtocolError, ServerInfo, crds_encode
from opencrds.protocol.serverinfo import _CHECKS, _FIELD_NAMES
from opencrds.rules.parser import parse_literal


def snapshots(shared_data: Path) -> list[Path]:
    found = sorted(shared_data.glob("crds-*/**/server_config"))
    assert found, "no server_config snapshots in the shared data"
    return found


def test_every_field_is_checked() -> None:
    assert set(_CHECKS) == _FIELD_NAMES


def test_snapshots_round_trip_exactly(shared_data: Path) -> None:
    for path in snapshots(shared_data):
        wire = parse_literal(path.read_text(encoding="utf-8"), str(path))
        info = ServerInfo.from_wire(wire)
        again = info.to_wire()
        assert again == wire and list(again) == list(wire), path
        assert json.dumps(again) == json.dumps(wire)
        assert pprint.pformat(again) == pprint.pformat(wire)
        assert ServerInfo.from_wire(again) == info
        assert not isinstance(info, Mapping)  # fields only; to_wire() is the dict
        assert info.observatory == wire["observatory"] and info.connected is True
        assert info.mappings == tuple(wire["mappings"])
        assert info.bad_files == frozenset(wire["bad_files_list"])
        assert len(info.files) > 0 and all(set(v) == {"sha1sum", "size"}
                                           for v in info.files.values())
        url = info.download_base("mapping_url", info.observatory)
        assert url and url.endswith(f"/mappings/{info.observatory}/")


def test_snapshot_saved_in_the_cache_reads_back(shared_data: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached server_config stays what the real crds client reads (literal_eval)."""
    monkeypatch.setenv("CRDS_PATH", str(tmp_path))
    path = shared_data / "crds-cache/config/hst/server_config"
    info = ServerInfo.from_wire(parse_literal(path.read_text(encoding="utf-8"), str(path)))
    assert config.save_server_config("hst", info)
    saved = (tmp_path / "config/hst/server_config").read_text(encoding="utf-8")
    assert saved == pprint.pformat(info.to_wire()) + "\n"
    assert ast.literal_eval(saved) == info.to_wire()
    assert ServerInfo.from_wire(config.load_server_config("hst")).replace(
        status="server", connected=True) == info


def test_built_by_the_server_in_wire_order() -> None:
    info = ServerInfo(observatory="tobs", operational_context="tobs_0001.pmap",
                      versions_context="", mappings=("tobs.pmap",), force_remote_mode=0,
                      last_synced="now", build_context="tobs_0002.pmap")
    assert list(info.to_wire()) == ["observatory", "operational_context", "versions_context",
                                    "mappings", "force_remote_mode", "last_synced",
                                    "build_context"]
    assert info.to_wire()["mappings"] == ["tobs.pmap"]
    assert "latest_context" not in info.to_wire() and info.latest_context is None
    assert info.default_context == "tobs_0001.pmap"


WIRE_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
                        st.lists(st.text(max_size=5), max_size=3))


@given(st.dictionaries(st.text(max_size=12).filter(lambda k: k not in _FIELD_NAMES),
                       WIRE_VALUES, max_size=6),
       st.lists(st.text(min_size=1, max_size=12), max_size=5))
def test_unknown_keys_round_trip(extra: dict, mappings: list[str]) -> None:
    wire = {"observatory": "hst", **extra, "mappings": mappings, "connected": False}
    info = ServerInfo.from_wire(wire)
    assert info.extra == extra and info.mappings == tuple(mappings)
    assert info.to_wire() == wire and list(info.to_wire()) == list(wire)


def test_replace_keeps_places_and_appends_new_keys() -> None:
    info = ServerInfo.from_wire({"observatory": "hst", "status": "cache", "x": 1})
    changed = info.replace(status="server", connected=True, y=2)
    assert list(changed.to_wire()) == ["observatory", "status", "x", "connected", "y"]
    assert changed.status == "server" and changed.connected is True
    assert changed.extra["y"] == 2 and changed.to_wire()["y"] == 2
    assert info.status == "cache"  # frozen: the original is unchanged


def test_files_and_urls_in_either_shape() -> None:
    meta = {"a.fits": {"sha1sum": "ab", "size": "3"}}
    plain = ServerInfo.from_wire({"download_metadata": meta, "reference_url": {"hst": "u/"}})
    encoded = ServerInfo.from_wire({"download_metadata": crds_encode(meta),
                                    "reference_url": {"unchecked": {"hst": "u/"}}})
    for info in (plain, encoded):
        assert info.files == meta
        assert info.download_base("reference_url", "hst") == "u/"
        assert info.download_base("reference_url", "jwst") is None
        assert info.download_base("mapping_url", "hst") is None
    assert ServerInfo.of(plain) is plain and ServerInfo.of({}) == ServerInfo()


def test_read_only() -> None:
    info = ServerInfo.from_wire({"observatory": "hst"})
    with pytest.raises(AttributeError):
        info.observatory = "jwst"  # type: ignore[misc]
    with pytest.raises(TypeError):
        info["observatory"] = "jwst"  # type: ignore[index]


@pytest.mark.parametrize("wire, message", [
    ({"observatory": 3}, "'observatory' must be a string, got int"),
    ({"mappings": "hst.pmap"}, "'mappings' must be a list of file names"),
    ({"bad_files_list": [1]}, "'bad_files_list' must be a list of file names"),
    ({"mapping_url": "https://x/unchecked_get/mappings/hst/"}, "'mapping_url' must be an object"),
    ({"download_metadata": []}, "'download_metadata' must be an object"),
    ({"force_remote_mode": "yes"}, "'force_remote_mode' must be an integer"),
    ({"connected": 1}, "'connected' must be true or false"),
])
def test_malformed_server_info(wire: dict, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        ServerInfo.from_wire(wire)


def test_not_an_object_or_no_context() -> None:
    with pytest.raises(ProtocolError, match="server info must be an object, got list"):
        ServerInfo.from_wire([1])  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match="no 'operational_context'"):
        _ = ServerInfo.from_wire({"observatory": "hst"}).default_context
