"""crds_encode/crds_decode (PROTOCOL.md §5): round trips and clear errors."""

from __future__ import annotations

import base64
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencrds.protocol import ProtocolError, crds_decode, crds_encode
from opencrds.protocol.payloads import is_encoded

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20)


@given(JSON)
def test_encode_decode_round_trip(value: object) -> None:
    encoded = crds_encode(value)
    assert set(encoded) == {"crds_encoded", "crds_payload"} and encoded["crds_encoded"] == "1.0"
    assert encoded["crds_payload"].startswith("H4sI")  # base64 of the gzip magic
    assert crds_decode(encoded) == value


@given(JSON, st.integers(min_value=0, max_value=9))
def test_any_level_decodes(value: object, level: int) -> None:
    assert crds_decode(crds_encode(value, level)) == value


def test_plain_values_pass_through() -> None:
    for value in ([1], {"a": 1}, "x", None, 3):
        assert crds_decode(value) == value
        assert not is_encoded(value)


def test_payload_as_the_crds_client_writes_it() -> None:
    payload = base64.b64encode(gzip.compress(b'{"a.fits": {"size": "3"}}')).decode()
    assert crds_decode({"crds_encoded": "1.0", "crds_payload": payload}) == \
        {"a.fits": {"size": "3"}}


@pytest.mark.parametrize("value, message", [
    ({"crds_encoded": "1.0"}, "no 'crds_payload' string"),
    ({"crds_encoded": "1.0", "crds_payload": 5}, "no 'crds_payload' string"),
    ({"crds_encoded": "1.0", "crds_payload": "not base64!"}, "not base64 gzip data"),
    ({"crds_encoded": "1.0", "crds_payload": base64.b64encode(b"plain").decode()},
     "not base64 gzip data"),
    ({"crds_encoded": "1.0", "crds_payload": base64.b64encode(gzip.compress(b"{x")).decode()},
     "does not hold JSON"),
])
def test_malformed_payloads(value: dict, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        crds_decode(value)
