"""JSON, YAML and ASDF headers: flattening, value text, ASDF history (no shared data)."""

from __future__ import annotations

import datetime
import json
import warnings

import asdf
import pytest
from astropy.time import Time

from opencrds.io import HeaderError, read_header
from opencrds.io.flatten import datetime_text, flatten_tree, value_text


def test_flatten_nested_lists_and_odd_values():
    tree = {"a": [1, "x", {"b": 1}, [1, 2], None, True, 1.5, []], "n": None, "t": True,
            "f": 1.5, "e": {}, "i": 10**20, "nested": {"list": [[1, 2]], "Mixed.Case": "V",
                                                       "deep": {"x": {"y": "z"}}},
            "s": "  padded  ", "fl": 1e-7, 3: "int key", "big": 1e300}
    assert flatten_tree(tree) == {
        "A": "('1', 'x', \"SUPRESSED_NONSTD_TYPE: 'dict'\", ('1', '2'), "
             "\"SUPRESSED_NONSTD_TYPE: 'NoneType'\", 'True', '1.5', ())",
        "N": "SUPRESSED_NONSTD_TYPE: 'NoneType'",
        "T": "True", "F": "1.5", "I": "100000000000000000000",
        "NESTED.LIST": "(('1', '2'),)", "NESTED.MIXED.CASE": "V", "NESTED.DEEP.X.Y": "z",
        "S": "  padded  ", "FL": "1e-07", "BIG": "1e+300",
    }


@pytest.mark.parametrize(("value", "text"), [
    (datetime.datetime(2001, 1, 23, 10, 11, 12), "2001-01-23T10:11:12"),
    (datetime.datetime(2001, 1, 23, 10, 11, 12, 123456), "2001-01-23T10:11:12.123455"),
    (datetime.datetime(2001, 1, 23, 10, 11, 12, 500000), "2001-01-23T10:11:12.500000"),
    (datetime.datetime(2001, 1, 23, 10, 11, 12, 1), "2001-01-23T10:11:12"),
    (datetime.datetime(2001, 1, 23, 10, 11, 12, 100000,
                       tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
     "2001-01-23T10:11:12.099999"),
])
def test_datetime_text_truncates_like_crds(value, text):
    assert datetime_text(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (Time("2020-01-01T00:00:00.9996"), "2020-01-01T00:00:01"),
    (Time("2020-01-01T00:00:00", scale="tai"), "2019-12-31T23:59:23"),
    (Time("2020-01-01T00:00:00.5"), "2020-01-01T00:00:00"),
    (Time(58000.5, format="mjd"), "2017-09-04T12:00:00"),
    (datetime.date(2001, 1, 23), "SUPRESSED_NONSTD_TYPE: 'date'"),
    (b"x", "SUPRESSED_NONSTD_TYPE: 'bytes'"),
    ({1, 2}, "SUPRESSED_NONSTD_TYPE: 'set'"),
])
def test_value_text_of_times_and_others(value, text):
    assert value_text(value) == text


def test_json(text_file):
    path = text_file("d.json", json.dumps({"meta": {"instrument": {"name": "acs"}},
                                           "channel": 34, "x": {}, "meta.model_type": "M"}))
    assert read_header(path) == {"META.INSTRUMENT.NAME": "acs", "CHANNEL": "34",
                                 "META.MODEL_TYPE": "M", "FILE_FORMAT": "JSON"}
    assert read_header(text_file("l.json", "[1, 2]")) == {"FILE_FORMAT": "JSON"}
    assert read_header(text_file("n.json", '{"a": NaN, "b": 1e400}')) == {
        "A": "nan", "B": "inf", "FILE_FORMAT": "JSON"}


def test_yaml(text_file):
    path = text_file("d.yaml", "\n".join([
        "useafter: 2001-03-21T12:00:00", "day: 2001-03-21", "yes: dropped", "1: dropped",
        "oct: 0o17", "hex: 0x1F", "nested: {Mixed: 1, deep: {a: b}}"]))
    assert read_header(path) == {
        "USEAFTER": "2001-03-21T12:00:00", "DAY": "SUPRESSED_NONSTD_TYPE: 'date'",
        "OCT": "0o17", "HEX": "31", "NESTED.MIXED": "1", "NESTED.DEEP.A": "b",
        "FILE_FORMAT": "YAML"}
    assert read_header(text_file("l.yaml", "- a\n- b\n")) == {"FILE_FORMAT": "YAML"}
    assert read_header(text_file("opaque.tmp", "a: 1\n"))["FILE_FORMAT"] == "YAML"
    assert read_header(text_file("opaque2.tmp", '{"a": 1}'))["FILE_FORMAT"] == "JSON"


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("bad.json", '{"a": 1', "JSON header of '{path}': Expecting ',' delimiter"),
    ("empty.json", "", "JSON header of '{path}': Expecting value"),
    ("scalar.json", '"x"', "the document is a str, not a mapping"),
    ("bom.json", b'\xef\xbb\xbf{"a": 1}', "Unexpected UTF-8 BOM"),
    ("empty.yaml", "", "the document is a NoneType, not a mapping"),
    ("tag.yaml", "a: !!python/tuple [1, 2]\n", "could not determine a constructor"),
    ("two.yaml", "a: 1\n---\nb: 2\n", "expected a single document"),
    ("scan.yaml", "--- !clarkevans.com/^invoice\n", "while scanning a tag"),
    ("x.unknown", b"\x00\x01binary", "header of '{path}': unknown file type"),
    ("list.unknown", "# comment\n@not yaml\n", "unknown file type"),
])
def test_text_errors(text_file, name, content, problem):
    path = text_file(name, content)
    with pytest.raises(HeaderError) as info:
        read_header(path)
    assert problem.format(path=path) in str(info.value)
    assert "\n" not in str(info.value)


def write_asdf(path, tree):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asdf.AsdfFile(tree).write_to(path)
    return path


def test_asdf_tree_and_history(tmp_path):
    entry = asdf.tags.core.HistoryEntry
    tree = {"meta": {"telescope": "ROMAN", "useafter": Time("2020-01-01T00:00:00"),
                     "instrument": {"name": "WFI"}},
            "roman": {"meta": {"reftype": "FLAT"}},
            "history": {"entries": [
                entry({"description": "first", "time": datetime.datetime(2020, 1, 1, 1, 2, 3, 4)}),
                entry({"description": "second", "time": datetime.datetime(2021, 1, 1)})]}}
    header = read_header(write_asdf(tmp_path / "r.asdf", tree))
    assert header["META.USEAFTER"] == "2020-01-01T00:00:00"
    assert header["ROMAN.META.REFTYPE"] == "FLAT"
    assert header["META.INSTRUMENT.NAME"] == "WFI" and "INSTRUME" not in header
    assert header["HISTORY.ENTRIES"] == ("(\"SUPRESSED_NONSTD_TYPE: 'HistoryEntry'\", "
                                         "\"SUPRESSED_NONSTD_TYPE: 'HistoryEntry'\")")
    assert header["HISTORY"] == ("2020-01-01 01:02:03 :: first\n"
                                 "2021-01-01 00:00:00 :: second")
    assert header["ASDF_LIBRARY.NAME"] == "asdf"
    assert list(header)[-2:] == ["HISTORY", "FILE_FORMAT"]


@pytest.mark.parametrize(("history", "text"), [
    ([{"description": "list form", "time": datetime.datetime(2020, 1, 1)}],
     "2020-01-01 00:00:00 :: list form"),
    ({"entries": [{"description": "no time"}]}, "UNDEFINED"),
    ({"entries": []}, "UNDEFINED"),
    ({"entries": [{"description": "t", "time": Time("2020-01-01T00:00:00")}]}, "UNDEFINED"),
    (None, "UNDEFINED"),
])
def test_asdf_history_rules(tmp_path, history, text):
    tree = {"meta": {"telescope": "JWST"}}
    if history is not None:
        tree["history"] = history
    assert read_header(write_asdf(tmp_path / "h.asdf", tree))["HISTORY"] == text


def test_asdf_without_meta_is_read(tmp_path):
    """crds 14.0.3 fails (KeyError 'meta' / 'telescope'); we return the flattened tree."""
    header = read_header(write_asdf(tmp_path / "nometa.asdf", {"other": 1}))
    assert header["OTHER"] == "1" and header["HISTORY"] == "UNDEFINED"


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "Does not appear to be a ASDF file."),
    (b"hello", "Does not appear to be a ASDF file."),
    (b"#ASDF 1.0.0\n%YAML 1.1\n--- !core/asdf-1.1.0\nmeta: [\n", "End of YAML marker not found"),
])
def test_asdf_errors(text_file, content, problem):
    path = text_file("bad.asdf", content)
    with pytest.raises(HeaderError) as info:
        read_header(path)
    assert str(info.value) == f"cannot read ASDF header of '{path}': {problem}"
