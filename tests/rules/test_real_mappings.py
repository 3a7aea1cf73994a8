"""Every real mapping file loads, or fails for a reason RULES.md names (acceptance 1)."""

from __future__ import annotations

import os

import pytest

from opencrds.rules.errors import ChecksumError, MappingError
from opencrds.rules.loader import MappingLoader

pytestmark = pytest.mark.shared_data

# The only real files that do not load, and why (RULES.md §1.4, §6.3, §7).
EXPECTED_FAILURES = {
    # deliberately broken test file: 'x=' is not an operator
    "hst_acs_darkfile_badexpr.rmap": (MappingError, "invalid expression"),
    # deliberately broken test file: no 'mapping' key, so its checksum no longer verifies
    "hst_acs_darkfile_missing_key.rmap": (ChecksumError, "sha1sum mismatch"),
    # hand-edited after its checksum was computed
    "roman_wfi_epsf_0001.rmap": (ChecksumError, "sha1sum mismatch"),
}
EXPECTED_FAILURES_WITHOUT_CHECKSUMS = {
    "hst_acs_darkfile_badexpr.rmap": (MappingError, "invalid expression"),
    "hst_acs_darkfile_missing_key.rmap": (MappingError, "Required header key 'mapping' is missing"),
}


def _all_mapping_paths(crds_cache):
    root = crds_cache / "mappings"
    return sorted(p for p in root.glob("*/*") if p.suffix in (".pmap", ".imap", ".rmap"))


def _reader(paths):
    by_name = {p.name: p for p in paths}
    return lambda name: by_name[name].read_text(encoding="utf-8")


@pytest.mark.parametrize("ignore_checksum", [False, True], ids=["checksums", "no-checksums"])
def test_every_real_mapping_loads_or_fails_for_a_known_reason(crds_cache, ignore_checksum):
    paths = _all_mapping_paths(crds_cache)
    assert len(paths) == 4798
    loader = MappingLoader(_reader(paths), ignore_checksum=ignore_checksum)
    expected = EXPECTED_FAILURES_WITHOUT_CHECKSUMS if ignore_checksum else EXPECTED_FAILURES
    failures = {}
    for path in paths:
        try:
            loader.load(path.name)
        except MappingError as exc:
            failures[path.name] = exc
    assert sorted(failures) == sorted(expected)
    for name, exc in failures.items():
        kind, fragment = expected[name]
        assert isinstance(exc, kind), (name, exc)
        assert fragment in str(exc), (name, str(exc))
        assert name in str(exc), "the error names the file"


@pytest.mark.parametrize("context", ["hst_0729.pmap", "jwst_0541.pmap", "roman_0007.pmap",
                                     "tobs.pmap"])
def test_latest_contexts_load_completely(crds_cache, context):
    import opencrds

    ctx = opencrds.load_context(context, cache=crds_cache)
    names = ctx.mapping_names()
    assert context in names
    assert len(names) > 2
    if context == "roman_0007.pmap":
        # Its epsf rmap fails its checksum, so the instrument's parameters cannot be computed
        # (CRDS raises the same error); lookups of the other types still work.
        with pytest.raises(ChecksumError, match="roman_wfi_epsf_0001.rmap"):
            ctx.get_required_parkeys()
        return
    parkeys = ctx.get_required_parkeys()
    assert parkeys
    assert all(keys[0] == str(ctx.parkey[0]) for keys in parkeys.values())


def test_contexts_share_mapping_objects(crds_cache):
    """Loading many contexts parses each distinct file once."""
    import opencrds

    first = opencrds.load_context("jwst_0540.pmap", cache=crds_cache)
    second = opencrds.load_context("jwst_0541.pmap", cache=crds_cache)
    shared = set(first.selector.values()) & set(second.selector.values())
    assert shared
    for imap_name in shared:
        instrument = next(k for k, v in first.selector.items() if v == imap_name)
        assert first.child(instrument) is second.child(instrument)


def test_load_context_by_path_and_by_env(crds_cache, monkeypatch):
    import opencrds

    by_path = opencrds.load_context(crds_cache / "mappings" / "tobs" / "tobs.pmap")
    monkeypatch.setenv("CRDS_PATH", os.fspath(crds_cache))
    by_env = opencrds.load_context("tobs.pmap")
    assert by_path.mapping_names() == by_env.mapping_names()


def test_missing_context_is_a_clear_error(crds_cache):
    import opencrds

    with pytest.raises(MappingError, match="jwst_9999.pmap.*not found"):
        opencrds.load_context("jwst_9999.pmap", cache=crds_cache)
