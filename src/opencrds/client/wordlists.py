"""``@file`` arguments: a command-line word ``@name`` stands for the words of file ``name``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..rules.errors import CrdsError


class WordListError(CrdsError):
    """An ``@file`` word list cannot be read."""


def expand_words(words: Iterable[str] | None, what: str = "word list") -> list[str]:
    """Words with each ``@file`` replaced by the whitespace-separated words of that file,
    recursively; lines whose stripped text starts with ``#`` are comments.

    ``what`` names the list in the error (``"dataset id file"``)."""
    result: list[str] = []
    for word in words or ():
        if not word.startswith("@"):
            result.append(word)
            continue
        path = word[1:]
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise WordListError(f"cannot read the {what} '{path}': "
                                f"{getattr(exc, 'strerror', None) or exc}") from None
        lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
        result.extend(expand_words(" ".join(lines).split(), what))
    return result
