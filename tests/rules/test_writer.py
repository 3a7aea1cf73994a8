"""Tests for the canonical writer and checksums (RULES.md §7, §9).

Besides the tests, this module holds the helpers that explain why a real mapping file is not
byte-identical to its canonical form; ``scripts/canonical_report.py`` uses them to write
``docs/canonical-format-report.md``.
"""

from __future__ import annotations

import ast
import functools
import io
import json
import os
import sys
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import user_environment
from opencrds.rules.checksum import (
    mapping_checksum,
    normalize_newlines,
    update_checksum,
    verify_checksum,
)
from opencrds.rules.errors import ChecksumError
from opencrds.rules.naming import is_valid_mapping_name
from opencrds.rules.parser import ParsedMapping, SelectorCall, parse_mapping_text
from opencrds.rules.writer import (
    format_mapping,
    format_parsed,
    selector_sort_key,
    write_parsed_with_checksum,
    write_with_checksum,
)

# ---- locating the shared data ---------------------------------------------------------------


def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository, or ``$OPENCRDS_SHARED_DATA``."""
    env = os.environ.get("OPENCRDS_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def mappings_dir() -> Path:
    return shared_data_dir() / "crds-cache" / "mappings"


needs_shared_data = pytest.mark.skipif(
    not mappings_dir().is_dir(),
    reason=f"shared CRDS data not found at {mappings_dir()} (set OPENCRDS_SHARED_DATA)",
)

MAPPING_SUFFIXES = (".pmap", ".imap", ".rmap")
#: The two cached files whose sha1sum does not verify (RULES.md §1.4, §7).
CHECKSUM_FAILURES = {"hst_acs_darkfile_missing_key.rmap", "roman_wfi_epsf_0001.rmap"}


def mapping_paths(root: Path | None = None) -> list[Path]:
    """Every mapping file under ``root`` (the stray .fits and anything else skipped)."""
    root = mappings_dir() if root is None else root
    return sorted(p for p in root.glob("*/*") if p.suffix in MAPPING_SUFFIXES)


def read_mapping(path: Path) -> str:
    """Mapping text as CRDS reads it: UTF-8 with universal newlines."""
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _all_texts(root: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.name, read_mapping(p)) for p in mapping_paths(Path(root)))


def all_texts() -> tuple[tuple[str, str], ...]:
    return _all_texts(str(mappings_dir()))


# ---- explaining non-canonical files ---------------------------------------------------------

NUMERIC_SORT = "numbers sorted numerically (older HST files)"
SELECTOR_ORDER = "selector entries out of canonical order (and not a numeric sort)"
HEADER_ORDER = "header keys not in sorted order"
CONTEXT_ORDER = "context (pmap/imap) entries not in sorted order"
DUPLICATE_KEYS = "duplicate dict keys (the loader keeps the last value)"
COMMENTS = "'#' comments"
QUOTING = "non-canonical quoting (double quotes)"
NUMBER_SPELLING = "non-canonical number spelling"
TRAILING_COMMAS = "missing or extra trailing commas"
WHITESPACE = "non-canonical whitespace, indentation or blank lines"
UNEXPLAINED = "UNEXPLAINED"


@dataclass
class Explanation:
    """Why one file differs from its canonical text; ``reasons`` is empty if it does not."""

    name: str
    reasons: list[str] = field(default_factory=list)
    origin: str = "official"
    checksum_ok: bool = True

    @property
    def identical(self) -> bool:
        return not self.reasons

    @property
    def explained(self) -> bool:
        return not any(r.startswith(UNEXPLAINED) for r in self.reasons)


def py2_sort_key(key: Any) -> tuple:
    """Python 2 order of a raw key: numbers (by value) before strings (as text)."""
    fields = key if isinstance(key, tuple) else (key,)
    return tuple(
        (0, f, "") if isinstance(f, (int, float)) and not isinstance(f, bool) else (1, 0, str(f))
        for f in fields
    )


def file_origin(name: str, header: dict[str, Any]) -> str:
    """A short description of where a file comes from, for the report."""
    derived = str(header.get("derived_from", "")).lower()
    if not is_valid_mapping_name(name):
        return "test file"
    if "hand" in derived:
        return "hand-written"
    if not is_valid_mapping_name(name, require_serial=True):
        return "prototype (no serial)"
    return "official"


def _order_reasons(parsed: ParsedMapping) -> list[str]:
    """Verified order differences between the file and its canonical text."""
    reasons: list[str] = []

    def check_dict(items: dict, label: str) -> None:
        try:
            canonical = sorted(items)
        except TypeError:  # the writer's fallback for unorderable keys
            canonical = sorted(items, key=lambda k: (type(k).__name__, repr(k)))
        if list(items) != canonical:
            reasons.append(label)
        for value in items.values():
            if isinstance(value, dict):
                check_dict(value, label)

    def check_call(call: SelectorCall) -> None:
        keys = list(call.entries)
        if keys != sorted(keys, key=selector_sort_key):
            reasons.append(NUMERIC_SORT if keys == sorted(keys, key=py2_sort_key)
                           else SELECTOR_ORDER)
        for value in call.entries.values():
            if isinstance(value, SelectorCall):
                check_call(value)

    check_dict(parsed.header, HEADER_ORDER)
    if isinstance(parsed.selector, SelectorCall):
        check_call(parsed.selector)
    else:
        check_dict(parsed.selector, CONTEXT_ORDER)
    return list(dict.fromkeys(reasons))


class _DedupDicts(ast.NodeTransformer):
    """Collapse duplicate literal dict keys the way Python does (first slot, last value)."""

    def __init__(self) -> None:
        self.duplicates = 0

    def visit_Dict(self, node: ast.Dict) -> ast.Dict:
        self.generic_visit(node)
        slots: dict[Any, int] = {}
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for key, value in zip(node.keys, node.values, strict=True):
            literal = ast.literal_eval(key) if key is not None else object()
            if literal in slots:
                self.duplicates += 1
                values[slots[literal]] = value
                continue
            slots[literal] = len(keys)
            keys.append(key)
            values.append(value)
        node.keys, node.values = keys, values
        return node


_SKIP_TOKENS = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                tokenize.DEDENT, tokenize.ENDMARKER, tokenize.ENCODING)


def _layout_reasons(text: str) -> list[str]:
    """Layout features of ``text`` that the canonical writer never produces.

    Only called once the file is known to equal its canonical text up to layout.
    """
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    reasons = []
    if any(t.type == tokenize.COMMENT for t in tokens):
        reasons.append(COMMENTS)
    if any(t.string != repr(ast.literal_eval(t.string)) and not t.string.startswith('"""')
           for t in tokens if t.type == tokenize.STRING):
        reasons.append(QUOTING)
    if any(t.string != repr(ast.literal_eval(t.string))
           for t in tokens if t.type == tokenize.NUMBER):
        reasons.append(NUMBER_SPELLING)
    significant = [t for t in tokens if t.type not in _SKIP_TOKENS]
    commas, spacing = _scan_brackets(significant)
    if commas:
        reasons.append(TRAILING_COMMAS)
    if spacing or _lines_differ(text, significant):
        reasons.append(WHITESPACE)
    return reasons


def _scan_brackets(tokens: list[tokenize.TokenInfo]) -> tuple[bool, bool]:
    """(trailing commas differ, spacing differs) from one pass over the significant tokens.

    A ``{`` followed by a line break is a *block* (the writer's dict/selector layout): its
    items are ``key : value,`` one per line. Other brackets are Python reprs written inline:
    tuples have a trailing comma only when they hold one item, inline dicts never.
    """
    commas = spacing = False
    stack: list[dict[str, Any]] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.string in "([{" and tok.type == tokenize.OP:
            block = tok.string == "{" and nxt is not None and nxt.start[0] > tok.end[0]
            call = tok.string == "(" and prev is not None and prev.type == tokenize.NAME
            stack.append({"open": tok.string, "block": block, "call": call, "commas": 0})
        elif tok.string in ")]}" and tok.type == tokenize.OP and stack:
            frame = stack.pop()
            after_comma = prev is not None and prev.string == ","
            empty = prev is not None and prev.string == frame["open"]
            if frame["block"]:
                commas |= not after_comma and not empty
            elif frame["call"] or frame["open"] == "{":
                commas |= after_comma
            elif frame["open"] == "(":
                commas |= after_comma and frame["commas"] > 1
        elif tok.string == "," and stack:
            stack[-1]["commas"] += 1
            if stack[-1]["block"] and nxt is not None and nxt.start[0] == tok.end[0]:
                spacing = True  # two items on one line
        elif tok.string == ":" and stack and stack[-1]["block"]:
            spacing |= not (prev.end[0] == tok.start[0] and tok.start[1] - prev.end[1] == 1)
            spacing |= nxt is not None and not (
                nxt.start[0] == tok.end[0] and nxt.start[1] - tok.end[1] == 1)
    return commas, spacing


def _lines_differ(text: str, tokens: list[tokenize.TokenInfo]) -> bool:
    """True if blank lines, indentation, trailing blanks or the final newline are not canonical."""
    lines = text.split("\n")
    if not text.endswith("\n") or text.endswith("\n\n"):
        return True
    statement_lines = [t.start[0] for t in tokens
                       if t.type == tokenize.NAME and t.start[1] == 0 and
                       t.string in ("header", "comment", "selector")]
    allowed_blank = {line - 1 for line in statement_lines[1:]}
    comment_block = _comment_string_lines(tokens)
    first_token_of_line: dict[int, tokenize.TokenInfo] = {}
    code_end: dict[int, int] = {}
    for tok in tokens:
        first_token_of_line.setdefault(tok.start[0], tok)
        code_end[tok.end[0]] = tok.end[1]
    depth_at_line = _block_depths(tokens)
    for number, line in enumerate(lines[:-1], start=1):
        if number in comment_block:
            continue
        if not line.strip():
            if number not in allowed_blank:
                return True
            continue
        first = first_token_of_line.get(number)
        if first is None:
            continue  # a comment-only line
        if line != line.rstrip() and not line[code_end.get(number, 0):].strip():
            return True  # trailing blanks after code (a trailing '#' comment is fine)
        expected = 4 * (depth_at_line.get(number, 0) - (first.string == "}"))
        if first.start[1] != expected or line[: first.start[1]].strip(" "):
            return True
    return False


def _comment_string_lines(tokens: list[tokenize.TokenInfo]) -> set[int]:
    """Line numbers inside multi-line string tokens (the comment block): not layout."""
    lines: set[int] = set()
    for tok in tokens:
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            lines.update(range(tok.start[0] + 1, tok.end[0] + 1))
    return lines


def _block_depths(tokens: list[tokenize.TokenInfo]) -> dict[int, int]:
    """Number of open block ``{`` at the start of each line that begins with a token."""
    depths: dict[int, int] = {}
    open_blocks: list[bool] = []
    for i, tok in enumerate(tokens):
        depths.setdefault(tok.start[0], sum(open_blocks))
        if tok.type != tokenize.OP:
            continue
        if tok.string in "([{":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            open_blocks.append(tok.string == "{" and nxt is not None and
                               nxt.start[0] > tok.end[0])
        elif tok.string in ")]}" and open_blocks:
            open_blocks.pop()
    return depths


def explain(name: str, text: str) -> Explanation:
    """Classify why ``text`` (file ``name``) is or is not byte-identical to its canonical form.

    Every reason is verified: order reasons by re-formatting in the file's own order, and
    layout reasons only after the file's syntax tree (duplicate keys collapsed) proves equal to
    that re-formatted text. Anything else is reported as UNEXPLAINED.
    """
    try:
        parsed = parse_mapping_text(text, name)
    except Exception as exc:  # any parse failure needs explaining
        return Explanation(name, [f"{UNEXPLAINED}: does not parse: {exc}"], "unknown")
    result = Explanation(name, origin=file_origin(name, parsed.header))
    try:
        verify_checksum(text, parsed.header, name)
    except ChecksumError:
        result.checksum_ok = False
    if format_parsed(parsed) == text:
        return result
    in_file_order = format_parsed(parsed, keep_order=True)
    result.reasons = _order_reasons(parsed)
    if in_file_order == text:
        if not result.reasons:
            result.reasons = [f"{UNEXPLAINED}: order-only difference not understood"]
        return result
    try:
        dedup = _DedupDicts()
        original_tree = dedup.visit(ast.parse(text))
        same = ast.dump(original_tree) == ast.dump(ast.parse(in_file_order))
    except (SyntaxError, ValueError) as exc:
        result.reasons.append(f"{UNEXPLAINED}: not comparable as Python: {exc}")
        return result
    if not same:
        result.reasons.append(f"{UNEXPLAINED}: content differs from the canonical text")
        return result
    if dedup.duplicates:
        result.reasons.append(DUPLICATE_KEYS)
    layout = _layout_reasons(text)
    if not layout and not dedup.duplicates:
        layout = [f"{UNEXPLAINED}: layout differs but no non-canonical feature was found"]
    result.reasons += layout
    return result


def explain_all(root: Path | None = None) -> list[Explanation]:
    """:func:`explain` for every mapping file under ``root`` (computed once per root)."""
    return list(_explain_all(str(mappings_dir() if root is None else root)))


@functools.lru_cache(maxsize=2)
def _explain_all(root: str) -> tuple[Explanation, ...]:
    return tuple(explain(name, text) for name, text in _all_texts(root))


def build_report(root: Path | None = None) -> str:
    """Markdown report: counts, then each non-identical file with its reasons."""
    explanations = explain_all(root)
    differing = [e for e in explanations if not e.identical]
    identical = len(explanations) - len(differing)
    by_reasons = Counter(" + ".join(e.reasons) for e in differing)
    by_origin = Counter(e.origin for e in differing)
    lines = [
        "# Canonical format report",
        "",
        "Generated by `scripts/canonical_report.py` from "
        "`shared/data/crds-cache/mappings` with `opencrds.rules.writer` (RULES.md §9).",
        "Each file is parsed and written back with `format_parsed`; a file is *identical* when "
        "the result is byte-for-byte the file's text.",
        "",
        f"* Mapping files: **{len(explanations)}**",
        f"* Byte-identical after parse + format: **{identical}**",
        f"* Different: **{len(differing)}**, all explained: "
        f"**{'yes' if all(e.explained for e in differing) else 'NO'}**",
    ]
    if any(e.name == "hst_acs_darkfile_badexpr.rmap" and e.identical for e in explanations):
        lines.append(
            "* RULES.md §1.4 counts 4,635 identical files among those CRDS can load; "
            "`hst_acs_darkfile_badexpr.rmap` is canonical too but CRDS refuses to load it "
            "(invalid `rmap_relevance` expression), which accounts for one more here."
        )
    lines += [
        "",
        "How reasons are verified: order reasons by writing the parsed file back in its own "
        "entry order (which must then reproduce the file exactly, or differ only in layout); "
        "layout reasons only after the file's Python syntax tree, with duplicate keys collapsed "
        "the way the loader does, equals that of the re-written text.",
        "",
        "## Counts by reason",
        "",
        "| reasons | files |",
        "|---|---|",
    ]
    lines += [f"| {reasons} | {count} |" for reasons, count in by_reasons.most_common()]
    lines += ["", "## Counts by origin of the differing files", "", "| origin | files |", "|---|---|"]
    lines += [f"| {origin} | {count} |" for origin, count in by_origin.most_common()]
    lines += ["", "## Files", "", "| file | origin | sha1sum | reasons |", "|---|---|---|---|"]
    for e in differing:
        check = "verifies" if e.checksum_ok else "**does not verify**"
        lines.append(f"| `{e.name}` | {e.origin} | {check} | {'; '.join(e.reasons)} |")
    return "\n".join(lines) + "\n"


# ---- tests: real files ----------------------------------------------------------------------


@needs_shared_data
@pytest.mark.shared_data
def test_real_files_round_trip_or_are_explained() -> None:
    explanations = explain_all()
    assert len(explanations) == 4798
    unexplained = [(e.name, e.reasons) for e in explanations if not e.explained]
    assert not unexplained
    identical = sum(e.identical for e in explanations)
    assert identical >= 4635, identical
    reasons = Counter(r for e in explanations for r in e.reasons)
    assert reasons[NUMERIC_SORT] >= 100


@needs_shared_data
@pytest.mark.shared_data
def test_known_canonical_files_are_identical() -> None:
    root = mappings_dir()
    for rel in ["jwst/jwst_nircam_dark_0017.rmap", "hst/hst_acs_biasfile_0345.rmap",
                "jwst/jwst_0541.pmap", "hst/hst_synphot_thruput_0004.rmap",
                "roman/roman_wfi_0006.imap", "jwst/jwst_system_datalvl_0002.rmap"]:
        path = root / rel
        if not path.exists():
            continue
        text = read_mapping(path)
        parsed = parse_mapping_text(text, path.name)
        assert format_parsed(parsed) == text, rel
        assert write_parsed_with_checksum(parsed) == text, rel


@needs_shared_data
@pytest.mark.shared_data
def test_real_checksums_verify() -> None:
    """All cached files verify except the two known ones (explain() runs verify_checksum)."""
    failures = {e.name for e in explain_all() if not e.checksum_ok}
    assert failures == CHECKSUM_FAILURES
    texts = dict(all_texts())
    for name in sorted(failures):
        text = texts[name]
        with pytest.raises(ChecksumError) as error:
            verify_checksum(text, parse_mapping_text(text, name).header, f"/any/dir/{name}")
        assert str(error.value) == f"sha1sum mismatch in '{name}'"


@needs_shared_data
@pytest.mark.parametrize(
    ("rel", "prefix"),
    [
        ("hst/hst_0729.pmap", "435b612c"),
        ("hst/hst_acs_biasfile_0345.rmap", "28495cbe"),
        ("jwst/jwst_0541.pmap", "38955026"),
        ("jwst/jwst_nircam_dark_0017.rmap", "b47d3d7e"),
        ("jwst/jwst_system_calver_0019.rmap", "3aeec7ab"),
        ("roman/roman_wfi_0006.imap", "299f4e0e"),
        ("hst/hst_synphot_thruput_0004.rmap", "380c048e"),
        ("tobs/tobs_tinstr_tfilekind.rmap", "58390b61"),
    ],
)
def test_known_checksums(rel: str, prefix: str) -> None:
    path = mappings_dir() / rel
    text = read_mapping(path)
    digest = mapping_checksum(text)
    assert digest.startswith(prefix)
    assert parse_mapping_text(text, path.name).header["sha1sum"] == digest
    assert update_checksum(text) == text


@needs_shared_data
@pytest.mark.shared_data
def test_report_is_current() -> None:
    """docs/canonical-format-report.md matches what scripts/canonical_report.py writes."""
    report = Path(__file__).resolve().parents[2] / "docs" / "canonical-format-report.md"
    if not report.exists():
        pytest.skip("report not generated yet: run scripts/canonical_report.py")
    assert report.read_text(encoding="utf-8") == build_report()


_ORACLE_FORMAT_SCRIPT = """
import json, os, sys
from crds.core import rmap
out_dir = sys.argv[1]
for path in json.loads(sys.argv[2]):
    try:
        text = rmap.load_mapping(path, ignore_checksum=True).format()
    except Exception as exc:
        text = "ERROR " + type(exc).__name__
    with open(os.path.join(out_dir, os.path.basename(path)), "w") as f:
        f.write(text)
"""


@needs_shared_data
@pytest.mark.shared_data
@pytest.mark.oracle
@pytest.mark.slow
def test_writer_matches_oracle_writer(tmp_path: Path) -> None:
    """crds' own Mapping.format() agrees byte for byte, including on non-canonical files."""
    pytest.importorskip("crds")
    import random
    import subprocess
    import sys

    paths = mapping_paths()
    differing = {e.name for e in explain_all() if not e.identical}
    sample = [p for p in paths if p.name in differing]
    sample += random.Random(7).sample([p for p in paths if p.name not in differing], 60)
    env = dict(user_environment(), CRDS_PATH=str(mappings_dir().parent),
               CRDS_SERVER_URL="https://crds-serverless-mode.stsci.edu")
    subprocess.run([sys.executable, "-c", _ORACLE_FORMAT_SCRIPT, str(tmp_path),
                    json.dumps([str(p) for p in sample])],
                   env=env, check=True, timeout=900, capture_output=True)
    compared = 0
    for path in sample:
        expected = (tmp_path / path.name).read_text(encoding="utf-8")
        if expected.startswith("ERROR "):
            assert path.name in CHECKSUM_FAILURES | {"hst_acs_darkfile_badexpr.rmap"}, expected
            continue
        ours = format_parsed(parse_mapping_text(read_mapping(path), path.name))
        assert ours == expected, path.name
        compared += 1
    assert compared >= len(sample) - 2


# ---- tests: writer details ------------------------------------------------------------------

RMAP_HEADER = {
    "mapping": "REFERENCE",
    "observatory": "HST",
    "instrument": "WFPC2",
    "filekind": "ATODFILE",
    "name": "hst_wfpc2_atodfile_0250.rmap",
    "derived_from": "hst_wfpc2_atodfile.rmap",
    "parkey": (("MODE", "ATODGAIN"), ("DATE-OBS", "TIME-OBS")),
    "hooks": {"b": "x", "a": {"z": ("1",), "y": "2"}},
}


def test_format_rmap_layout() -> None:
    selector = SelectorCall("Match", {
        ("FULL", 7): SelectorCall("UseAfter", {"2001-01-01 00:00:00": "b.r1h",
                                               "1993-12-01 00:00:00": "a.r1h"}),
        ("AREA", 7): "N/A",
        ("AREA", 15): ("x.fits", "y.fits"),
        "BARE": "z.fits",
        ("AREA", -2.5): "neg.fits",
    })
    text = format_mapping(RMAP_HEADER, selector, "a comment\nline 2")
    assert text == '''header = {
    'derived_from' : 'hst_wfpc2_atodfile.rmap',
    'filekind' : 'ATODFILE',
    'hooks' : {
        'a' : {
            'y' : '2',
            'z' : ('1',),
        },
        'b' : 'x',
    },
    'instrument' : 'WFPC2',
    'mapping' : 'REFERENCE',
    'name' : 'hst_wfpc2_atodfile_0250.rmap',
    'observatory' : 'HST',
    'parkey' : (('MODE', 'ATODGAIN'), ('DATE-OBS', 'TIME-OBS')),
}

comment = """a comment
line 2"""

selector = Match({
    ('AREA', -2.5) : 'neg.fits',
    ('AREA', 15) : ('x.fits', 'y.fits'),
    ('AREA', 7) : 'N/A',
    'BARE' : 'z.fits',
    ('FULL', 7) : UseAfter({
        '1993-12-01 00:00:00' : 'a.r1h',
        '2001-01-01 00:00:00' : 'b.r1h',
    }),
})
'''


def test_format_context_and_checksum() -> None:
    header = {"name": "x_0002.pmap", "mapping": "PIPELINE", "parkey": ("INSTRUME",),
              "observatory": "X", "derived_from": "x_0001.pmap"}
    text = write_with_checksum(header, {"B": "x_b_0001.imap", "A": "x_a_0001.imap"})
    lines = text.splitlines()
    assert lines[0] == "header = {"
    assert lines[6].startswith("    'sha1sum' : '") and lines[7] == "}"
    assert lines[9:] == ["selector = {", "    'A' : 'x_a_0001.imap',",
                         "    'B' : 'x_b_0001.imap',", "}"]
    parsed = parse_mapping_text(text, "x_0002.pmap")
    verify_checksum(text, parsed.header, "x_0002.pmap")
    assert "sha1sum" not in header  # the caller's header is not modified


def test_selector_sort_key() -> None:
    assert selector_sort_key(("AREA", 15)) < selector_sort_key(("AREA", 7))
    assert selector_sort_key("X") == ("X",)
    assert selector_sort_key(()) == ()


def test_py2_sort_key_helper() -> None:
    keys = [("A", "N/A"), ("A", 15), ("A", 7.0)]
    assert sorted(keys, key=py2_sort_key) == [("A", 7.0), ("A", 15), ("A", "N/A")]


def test_explain_synthetic() -> None:
    header = {"name": "x.pmap", "mapping": "PIPELINE", "derived_from": "hand made",
              "parkey": ("INSTRUME",), "observatory": "X"}
    canonical = write_with_checksum(header, {"A": "a.imap"})
    assert explain("x.pmap", canonical).identical
    assert explain("x.pmap", canonical.replace("'A'", '"A"')).reasons == [QUOTING]
    commented = canonical.replace("selector = {", "selector = {  # note")
    assert explain("x.pmap", commented).reasons == [COMMENTS]
    changed = canonical.replace("a.imap", "b.imap")
    assert explain("x.pmap", changed).identical  # canonical, only its checksum is stale
    assert not explain("x.pmap", changed).checksum_ok
    two_per_line = canonical.replace("'A' : 'a.imap',", "'A' : 'a.imap', 'B' : 'b.imap',")
    assert explain("x.pmap", two_per_line).reasons == [WHITESPACE]
    no_comma = canonical.replace("'a.imap',", "'a.imap'")
    assert explain("x.pmap", no_comma).reasons == [TRAILING_COMMAS]
    extra_comma = canonical.replace("('INSTRUME',)", "('INSTRUME', 'X',)")
    assert explain("x.pmap", extra_comma).reasons == [TRAILING_COMMAS]
    unsorted = canonical.replace("    'derived_from' : 'hand made',\n", "").replace(
        "    'sha1sum'", "    'derived_from' : 'hand made',\n    'sha1sum'")
    assert explain("x.pmap", unsorted).reasons == [HEADER_ORDER]
    duplicate = canonical.replace("    'name'", "    'name' : 'old.pmap',\n    'name'")
    assert explain("x.pmap", duplicate).reasons == [DUPLICATE_KEYS]


def test_explain_rmap_orders_and_numbers() -> None:
    selector = SelectorCall("Match", {("A", 7): "a.fits", ("A", 15): "b.fits",
                                      ("A", "N/A"): "c.fits", ("B", 2.5): "d.fits"})
    numeric = format_mapping(RMAP_HEADER, selector, sort_key=py2_sort_key)
    assert explain("x.rmap", numeric).reasons == [NUMERIC_SORT]
    assert explain("x.rmap", numeric.replace("15)", "15.0)")).reasons == [NUMERIC_SORT]
    spelled = format_mapping(RMAP_HEADER, selector).replace("2.5)", "2.50)")
    assert explain("x.rmap", spelled).reasons == [NUMBER_SPELLING]
    shuffled = format_mapping(RMAP_HEADER, selector).replace("('A', 'N/A')", "('A', 'TMP')")
    shuffled = shuffled.replace("('A', 15)", "('A', 'N/A')").replace("('A', 'TMP')", "('A', 15)")
    assert explain("x.rmap", shuffled).reasons == [SELECTOR_ORDER]


def test_explain_reports_writer_bugs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A canonical file that the writer fails to reproduce is never 'explained'."""
    header = {"name": "x.pmap", "mapping": "PIPELINE", "derived_from": "x",
              "parkey": ("INSTRUME",), "observatory": "X"}
    canonical = write_with_checksum(header, {"A": "a.imap"})
    real_format = format_parsed
    this_module = sys.modules[__name__]
    monkeypatch.setattr(this_module, "format_parsed",
                        lambda parsed, **kw: real_format(parsed, **kw).replace("    ", "  "))
    assert not explain("x.pmap", canonical).explained
    monkeypatch.setattr(this_module, "format_parsed",
                        lambda parsed, **kw: real_format(parsed, **kw).replace("'A'", "'Z'"))
    assert not explain("x.pmap", canonical).explained


# ---- tests: checksums -----------------------------------------------------------------------


def slow_checksum(text: str) -> str:
    """RULES.md §7 literally: one Python loop over the lines."""
    import hashlib

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = [line for line in text.splitlines(keepends=True) if "sha1sum" not in line]
    return hashlib.sha1("".join(kept).encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "sha1sum", "'sha1sum' : 'x',", "\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85",
     "\u2028", "\u2029", " ", "é", "sha1", "sum"]), max_size=40).map("".join))
def test_checksum_matches_literal_algorithm(text: str) -> None:
    assert mapping_checksum(text) == slow_checksum(text)


def test_checksum_edges() -> None:
    assert mapping_checksum("") == slow_checksum("")
    assert mapping_checksum("a\nsha1sum") == slow_checksum("a\n")
    assert mapping_checksum("x\r\ny\n") == mapping_checksum("x\ny\n")
    # A description mentioning sha1sum is left out of the hash too.
    assert mapping_checksum("'description' : 'no sha1sum here',\nz\n") == slow_checksum("z\n")
    assert normalize_newlines("a\r\nb\rc") == "a\nb\nc"


def test_verify_checksum_errors() -> None:
    text = "header = {\n    'sha1sum' : 'abc',\n}\n"
    with pytest.raises(ChecksumError) as missing:
        verify_checksum(text, {}, "/cache/x_0001.rmap")
    assert str(missing.value) == "sha1sum is missing in 'x_0001.rmap'"
    with pytest.raises(ChecksumError) as mismatch:
        verify_checksum(text, {"sha1sum": "abc"}, "/cache/x_0001.rmap")
    assert str(mismatch.value) == "sha1sum mismatch in 'x_0001.rmap'"
    good = update_checksum(text)
    verify_checksum(good, {"sha1sum": mapping_checksum(good)}, "x")
    verify_checksum(good, {"sha1sum": mapping_checksum(good).upper()}, "x")  # as CRDS does
    with pytest.raises(ValueError):
        update_checksum("header = {}\n")


# ---- property test: format -> parse -> format is a fixed point ------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_names = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ_.-0123456789abc ", min_size=1, max_size=10)
_scalar = st.one_of(
    _text, st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False)
)
_str_tuple = st.lists(_text, max_size=3).map(tuple)
_header_value = st.recursive(
    st.one_of(_text, st.none(), st.booleans(), st.integers(), _str_tuple,
              st.lists(_str_tuple, max_size=3).map(tuple)),
    lambda inner: st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_header = st.dictionaries(_names, _header_value, max_size=6)
_terminal = st.one_of(_names, st.just("N/A"), _str_tuple, st.dictionaries(_names, _names, max_size=2))
_use_after = st.dictionaries(_text, _terminal, max_size=4).map(
    lambda entries: SelectorCall("UseAfter", entries))
_match_key = st.one_of(_scalar, st.lists(_scalar, max_size=4).map(tuple))
_match = st.dictionaries(_match_key, st.one_of(_terminal, _use_after), max_size=6).map(
    lambda entries: SelectorCall("Match", entries))
_context = st.dictionaries(_names, _names, max_size=5)
# Comments are written unescaped between triple double quotes, so they cannot hold a
# backslash or a run of three quotes, nor end with a quote; line breaks are plain newlines.
_comment = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                          blacklist_characters="\\", whitelist_characters="\n"),
            max_size=30).filter(lambda s: '"""' not in s and not s.endswith('"')),
)


@settings(max_examples=300, deadline=None)
@given(header=_header, selector=st.one_of(_match, _context), comment=_comment)
def test_format_parse_format_is_fixed_point(header: dict, selector: Any, comment: str | None) -> None:
    first = format_mapping(header, selector, comment)
    parsed = parse_mapping_text(first, "generated.rmap")
    assert parsed.header == header
    assert parsed.comment == comment
    assert format_parsed(parsed) == first
    written = write_with_checksum(header, selector, comment)
    reparsed = parse_mapping_text(written, "generated.rmap")
    verify_checksum(written, reparsed.header, "generated.rmap")
    assert format_parsed(reparsed) == written
    assert {k: v for k, v in reparsed.header.items() if k != "sha1sum"} == \
        {k: v for k, v in header.items() if k != "sha1sum"}
