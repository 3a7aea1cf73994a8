"""Every JSON-RPC method PROTOCOL.md marks MUST or SHOULD, against the real server_config."""

from __future__ import annotations

import base64
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from server_helpers import CRDS_CACHE, RpcFailure, crds_decode, run_probe

import opencrds
from opencrds.rules.parser import parse_literal

pytestmark = [pytest.mark.shared_data]

_configs: dict[str, dict[str, Any]] = {}


def server_config(observatory: str) -> dict[str, Any]:
    if observatory not in _configs:
        text = (CRDS_CACHE / "config" / observatory / "server_config").read_text()
        _configs[observatory] = parse_literal(text)
    return _configs[observatory]


def download_metadata(observatory: str) -> dict[str, dict[str, str]]:
    return crds_decode(server_config(observatory)["download_metadata"])


# ---- envelope and get_server_info ------------------------------------------------------------


def test_envelope_echoes_id_and_has_error_key(server) -> None:
    answer = server.call("get_default_context", server.observatory, None)
    assert answer == {"jsonrpc": "1.0", "id": "t-1", "error": None, "result": server.context}
    response = server.post('{"jsonrpc": "1.0", "method": "get_default_context", '
                           '"params": [], "id": "x"}', path="/json/",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json-rpc")
    assert "Content-Encoding" not in response.headers


def test_server_info_has_every_key_the_client_reads(server) -> None:
    info = server.rpc("get_server_info")
    config = server_config(server.observatory)
    assert info["observatory"] == server.observatory
    for key in ("operational_context", "latest_context", "edit_context"):
        assert info[key] == config.get(key, config["operational_context"])
    assert info["versions_context"] == config["versions_context"]
    assert sorted(info["bad_files_list"]) == sorted(config["bad_files_list"])
    assert info["force_remote_mode"] == 0
    assert isinstance(info["last_synced"], str)
    assert info["max_headers_per_rpc"] > 0 and info["max_bestrefs_per_rpc"] > 0
    assert isinstance(info["crds_version"]["str"], str)
    assert info["context_history"] == config["context_history"]
    for key, branch in (("mapping_url", "mappings"), ("reference_url", "references"),
                        ("config_url", "config")):
        url = info[key]["unchecked"][server.observatory]  # built from the address used
        assert url == f"http://127.0.0.1:{server.port}/unchecked_get/{branch}/{server.observatory}/"
    encoded = info["download_metadata"]
    assert encoded["crds_encoded"] == "1.0" and encoded["crds_payload"].startswith("H4sI")
    metadata = crds_decode(encoded)
    assert set(info["mappings"]) <= set(metadata)
    for name, entry in metadata.items():
        assert set(entry) == {"sha1sum", "size"} and isinstance(entry["size"], str), name
    # sizes and sha1sums are those of the bytes served, not the saved metadata
    mappings = CRDS_CACHE / "mappings" / server.observatory
    for name in info["mappings"][:50]:
        data = (mappings / name).read_bytes()
        assert metadata[name]["size"] == str(len(data))


# ---- context methods ---------------------------------------------------------------------------


def test_get_default_context_states(server) -> None:
    config = server_config(server.observatory)
    assert server.rpc("get_default_context", server.observatory) == config["operational_context"]
    assert server.rpc("get_default_context", server.observatory, "latest") == server.context
    assert server.rpc("get_default_context", server.observatory, "operational") == server.context
    assert server.rpc("get_default_context", server.observatory, "edit") == config["edit_context"]
    if config["versions_context"]:
        assert server.rpc("get_default_context", server.observatory, "versions") == (
            config["versions_context"])
    with pytest.raises(RpcFailure):
        server.rpc("get_default_context", server.observatory, "bogus")
    with pytest.raises(RpcFailure, match="serves observatory"):
        server.rpc("get_default_context", "roman", None)


def test_get_build_context_unknown_is_an_error(server) -> None:
    with pytest.raises(RpcFailure, match="build context"):
        server.rpc("get_build_context", server.observatory, "1.14.0")


def test_context_history_matches_server_config(server) -> None:
    assert server.rpc("get_context_history", server.observatory) == (
        server_config(server.observatory)["context_history"])


def test_get_context_by_date(server) -> None:
    history = server_config(server.observatory)["context_history"]  # newest first
    date, context, _ = history[len(history) // 2]
    when = date.replace(" ", "T")[:19]
    assert server.rpc("get_context_by_date", f"{server.observatory}-{when}",
                      server.observatory) == context
    assert server.rpc("get_context_by_date", f"{server.observatory}-operational",
                      server.observatory) == server.context
    pmap = opencrds.load_context(server.context, cache=CRDS_CACHE)
    instrument = sorted(i for i, n in pmap.selector.items() if n.endswith(".imap"))[0]
    imap_name = pmap.selector[instrument]
    assert server.rpc("get_context_by_date", f"{server.observatory}-{instrument.lower()}-latest",
                      server.observatory) == imap_name
    imap = pmap.child(instrument)
    kind, rmap = next((k, v) for k, v in sorted(imap.selector.items()) if v.endswith(".rmap"))
    spec = f"{server.observatory}-{instrument.lower()}-{kind.lower()}-latest"
    assert server.rpc("get_context_by_date", spec, server.observatory) == rmap
    with pytest.raises(RpcFailure):
        server.rpc("get_context_by_date", f"{server.observatory}-1800-01-01T00:00:00",
                   server.observatory)
    with pytest.raises(RpcFailure):
        server.rpc("get_context_by_date", "not a spec", server.observatory)


def test_mapping_and_reference_names(server) -> None:
    pmap = opencrds.load_context(server.context, cache=CRDS_CACHE)
    names = server.rpc("get_mapping_names", server.context)
    assert names == pmap.mapping_names() and names[0] == server.context
    assert names[1].endswith(".imap")
    references = server.rpc("get_reference_names", server.context)
    assert references == pmap.reference_names()
    assert "N/A" not in references and "OMIT" not in references
    with pytest.raises(RpcFailure, match="not known"):
        server.rpc("get_mapping_names", f"{server.observatory}_9999.pmap")


def test_required_parkeys(server) -> None:
    pmap = opencrds.load_context(server.context, cache=CRDS_CACHE)
    assert server.rpc("get_required_parkeys", server.context) == pmap.get_required_parkeys()
    imap_name = next(n for n in pmap.selector.values() if n.endswith(".imap"))
    assert server.rpc("get_required_parkeys", imap_name) == (
        pmap.child(next(k for k, v in pmap.selector.items() if v == imap_name))
        .get_required_parkeys())


def test_best_references_by_header_map(server) -> None:
    pmap = opencrds.load_context(server.context, cache=CRDS_CACHE)
    key = pmap.instrument_key()
    instrument = next(i for i, n in sorted(pmap.selector.items()) if n.endswith(".imap"))
    headers = {"one": {key: instrument}, "two": {"NOTHING": "X"}}
    result = server.rpc("get_best_references_by_header_map", server.context, headers, None)
    assert result["one"] == opencrds.get_best_references(pmap, headers["one"])
    assert isinstance(result["two"], str) and result["two"].startswith("NOT FOUND")


# ---- catalog methods ---------------------------------------------------------------------------


def test_file_info_map_values_are_strings(server) -> None:
    metadata = download_metadata(server.observatory)
    bad = server_config(server.observatory)["bad_files_list"]
    unavailable = sorted(set(metadata) - set(server.rpc("get_server_info")["mappings"]))[:20]
    files = [server.context, *bad[:5], *unavailable, "no_such_file.fits"]
    fields = ["blacklisted", "rejected", "sha1sum", "size", "state"]
    info = server.rpc("get_file_info_map", server.observatory, files, fields)
    assert info["no_such_file.fits"] == "NOT FOUND"
    for name in files[:-1]:
        entry = info[name]
        assert set(entry) == set(fields) and all(isinstance(v, str) for v in entry.values())
        assert entry["rejected"] in ("true", "false") and entry["blacklisted"] in ("true", "false")
        assert entry["state"] == "archived"
    for name in bad[:5]:
        assert "true" in (info[name]["rejected"], info[name]["blacklisted"]), name
    for name in unavailable:
        assert info[name]["size"] == metadata[name]["size"]
        assert info[name]["sha1sum"] == metadata[name]["sha1sum"]


def test_file_info_map_of_every_file_is_encoded(server) -> None:
    answer = server.call("get_file_info_map", server.observatory, None, ["size"])
    assert answer["result"]["crds_encoded"] == "1.0"
    everything = crds_decode(answer["result"])
    assert set(download_metadata(server.observatory)) <= set(everything)


def test_get_file_info(server) -> None:
    info = server.rpc("get_file_info", server.context, server.context)
    assert info["name"] == server.context and info["type"] == "mapping"
    assert info["observatory"] == server.observatory
    assert all(isinstance(v, str) for v in info.values())
    for field in ("activation_date", "deliverer_user", "derived_from", "description", "sha1sum",
                  "size", "state", "uploaded_as", "useafter_date", "change_level", "pedigree"):
        assert field in info
    with pytest.raises(RpcFailure, match="not known"):
        server.rpc("get_file_info", server.context, "no_such_file.fits")


def test_list_mappings_and_references(server) -> None:
    pmaps = server.rpc("list_mappings", server.observatory, "*.pmap")
    assert server.context in pmaps and all(p.endswith(".pmap") for p in pmaps)
    references = server.rpc("list_references", server.observatory, "*.fits")
    assert references and all(r.endswith(".fits") for r in references)


def test_get_sqlite_db(server, tmp_path: Path) -> None:
    data = zlib.decompress(base64.b64decode(server.rpc("get_sqlite_db", server.observatory)))
    path = tmp_path / "crds_db.sqlite3"
    path.write_bytes(data)
    db = sqlite3.connect(path)
    catalog = f"crds_{server.observatory}_catalog"
    history = f"crds_{server.observatory}_context_history"
    (count,) = db.execute(f"SELECT count(*) FROM {catalog}").fetchone()
    assert count >= len(download_metadata(server.observatory))
    assert db.execute(f"SELECT sha1sum FROM {catalog} WHERE name = ?",
                      (server.context,)).fetchone()
    (entries,) = db.execute(f"SELECT count(*) FROM {history}").fetchone()
    assert entries == len(server_config(server.observatory)["context_history"])
    db.close()


def test_push_and_get_remote_context(server) -> None:
    name = f"{server.observatory}-test-pipeline"
    done = server.manage("add_pipeline", name, "--key", f"secret-{server.observatory}",
                         check=False)
    assert done.returncode == 0, done.stderr
    with pytest.raises(RpcFailure, match="pipeline key"):
        server.rpc("push_remote_context", server.observatory, "latest", "wrong", server.context)
    server.rpc("push_remote_context", server.observatory, "latest",
               f"secret-{server.observatory}", server.context)
    assert server.rpc("get_remote_context", server.observatory, name) == server.context
    with pytest.raises(RpcFailure):
        server.rpc("get_remote_context", server.observatory, "unknown-pipeline")


# ---- the unmodified crds client -----------------------------------------------------------------


@pytest.mark.slow
def test_crds_client_answers_as_server_config_says(http_server, tmp_path: Path) -> None:
    server = http_server  # the crds client, in a process of its own, needs a socket
    config = server_config(server.observatory)
    metadata = download_metadata(server.observatory)
    samples = sorted(metadata)[:: max(1, len(metadata) // 40)]
    plan = {"calls": [["get_context_history", [server.observatory]],
                      ["get_default_context", [server.observatory]],
                      *[["get_file_info", [server.context, name]] for name in samples],
                      ["get_sqlite_db", [server.observatory]]]}
    out = run_probe(plan, server.crds_env(tmp_path / "cache"), tmp_path / "probe")["calls"]
    history, default, *infos, sqlite_db = out
    expected = sorted(tuple(entry) for entry in config["context_history"])
    assert [tuple(entry) for entry in history["ok"]] == expected
    assert default["ok"] == config["operational_context"]
    for name, info in zip(samples, infos, strict=True):
        assert info["ok"]["name"] == name
        if name.endswith((".pmap", ".imap", ".rmap")) and (
                CRDS_CACHE / "mappings" / server.observatory / name).is_file():
            data = (CRDS_CACHE / "mappings" / server.observatory / name).read_bytes()
            assert info["ok"]["size"] == str(len(data))
        else:
            assert info["ok"]["size"] == metadata[name]["size"], name
            assert info["ok"]["sha1sum"] == metadata[name]["sha1sum"], name
    assert "ok" in sqlite_db
