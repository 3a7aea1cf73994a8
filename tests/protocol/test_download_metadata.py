"""Download metadata and URLs of server info (PROTOCOL.md §3.2, §4.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencrds.protocol import ProtocolError, crds_encode
from opencrds.protocol.downloads import (
    branch_urls,
    decode_metadata,
    encode_metadata,
    file_entry,
    unpack_urls,
    url_kind,
)

FILES = st.lists(st.tuples(st.text(min_size=1, max_size=30),
                           st.one_of(st.none(), st.text(min_size=1, max_size=40)),
                           st.integers(min_value=0, max_value=1 << 40)), max_size=20)


@given(FILES)
def test_metadata_round_trip(files: list[tuple[str, str | None, int]]) -> None:
    decoded = decode_metadata(encode_metadata(files))
    assert decoded == {name: {"sha1sum": sha1 or "none", "size": str(size)}
                       for name, sha1, size in files}
    assert all(isinstance(v, str) for entry in decoded.values() for v in entry.values())


def test_metadata_plain_or_absent() -> None:
    plain = {"a.fits": file_entry("ab", 3)}
    assert decode_metadata(plain) == {"a.fits": {"sha1sum": "ab", "size": "3"}}
    assert decode_metadata(None) == {} == decode_metadata({})
    with pytest.raises(ProtocolError, match="download_metadata must be an object of files"):
        decode_metadata(crds_encode([1, 2]))


def test_url_kinds() -> None:
    assert url_kind("hst.pmap") == ("MAPPING", "mapping_url")
    assert url_kind("hst_acs_darkfile_0001.rmap") == ("MAPPING", "mapping_url")
    assert url_kind("hst_0001.pmap.pkl") == ("PICKLE", "pickle_url")
    assert url_kind("server_config") == ("CONFIG", "config_url")
    assert url_kind("x_drk.fits") == ("REFERENCE", "reference_url")


def test_branch_urls_unpack_to_the_observatory_url() -> None:
    urls = branch_urls("http://h:1", "mappings", "hst")
    assert urls == {"checked": {"hst": "http://h:1/unchecked_get/mappings/hst/"},
                    "unchecked": {"hst": "http://h:1/unchecked_get/mappings/hst/"}}
    assert unpack_urls(urls) == {"hst": "http://h:1/unchecked_get/mappings/hst/"}
    assert unpack_urls({"hst": "u"}) == {"hst": "u"} and unpack_urls("u") == "u"
