"""Mapping text as highlighted HTML, done on the server: keywords, strings and comments in
spans (``.kw``, ``.str``, ``.com``) and every quoted file name a link to its browse page."""

from __future__ import annotations

import re
from html import escape

from django.utils.safestring import SafeString, mark_safe

_KEYWORDS = ("header", "selector", "comment", "Match", "UseAfter", "SelectVersion",
             "ClosestTime", "GeometricallyNearest", "VersionAfter", "Bracket")
_TOKEN = re.compile(
    r"(?P<com>#[^\n]*)"
    r"|(?P<str>'[^'\n]*'|\"[^\"\n]*\")"
    rf"|(?P<kw>\b(?:{'|'.join(_KEYWORDS)})\b)")
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+\-]*\.(?:pmap|imap|rmap|fits|asdf|json|yaml|"
                        r"txt|dat|r\d[hd]|tpn)")


def highlight_mapping(text: str) -> SafeString:
    """``text`` escaped, with highlighting spans and links to ``/browse/<file>``."""
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(escape(text[last:match.start()]))
        kind, token = match.lastgroup, match.group()
        if kind == "str" and _FILE_NAME.fullmatch(token[1:-1]):
            name = token[1:-1]
            out.append(f'<span class="str">{token[0]}<a href="/browse/{escape(name)}">'
                       f"{escape(name)}</a>{token[-1]}</span>")
        else:
            out.append(f'<span class="{kind}">{escape(token)}</span>')
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped)
