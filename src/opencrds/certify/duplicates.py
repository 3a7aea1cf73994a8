"""Find duplicate keys in the dict displays of mapping text, which the parser lets the last
one win. The text is re-tokenized with :mod:`tokenize`; keys are read with
:func:`ast.literal_eval` (a literal reader, not ``eval``)."""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Frame:
    bracket: str
    key_tokens: list[str] = field(default_factory=list)
    seen: dict[Any, int] = field(default_factory=dict)
    in_key: bool = True
    label: str = ""


@dataclass(frozen=True)
class Duplicate:
    """A key written twice in one dict: where (outer keys), the key and the line numbers."""

    path: tuple[str, ...]
    key: Any
    first_line: int
    line: int


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def find_duplicates(text: str) -> list[Duplicate]:
    """Every repeated key in every ``{...}`` of ``text``."""
    found: list[Duplicate] = []
    stack: list[_Frame] = [_Frame("top", in_key=False)]
    labels: list[str] = []
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                        tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        frame = stack[-1]
        string = tok.string
        if tok.type == tokenize.OP and string in "({[":
            if frame.bracket == "{" and frame.in_key:
                frame.key_tokens.append(string)
                stack.append(_Frame(string, in_key=False, label="key"))
                continue
            stack.append(_Frame(string, in_key=string == "{", label=frame.label))
            labels.append(frame.label)
            continue
        if tok.type == tokenize.OP and string in ")}]":
            closed = stack.pop()
            if closed.label == "key" and stack:
                stack[-1].key_tokens.append(string)
            elif labels:
                labels.pop()
            continue
        if frame.label == "key":
            stack[-2].key_tokens.append(string)
            continue
        if frame.bracket != "{":
            if frame.bracket == "top" and tok.type == tokenize.NAME:
                frame.label = string
            continue
        if frame.in_key:
            if tok.type == tokenize.OP and string == ":":
                key_text = " ".join(frame.key_tokens)
                key = _literal(key_text)
                path = tuple(f for f in labels if f)
                if key in frame.seen:
                    found.append(Duplicate(path, key, frame.seen[key], tok.start[0]))
                else:
                    frame.seen[key] = tok.start[0]
                frame.label = repr(key)
                frame.key_tokens = []
                frame.in_key = False
            else:
                frame.key_tokens.append(string)
        elif tok.type == tokenize.OP and string == ",":
            frame.in_key = True
    return found
