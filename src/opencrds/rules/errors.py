"""Exceptions raised by the rules engine.

Lookup failures inside an rmap are turned into ``"NOT FOUND <message>"`` results; the classes
below carry exactly the message text that ends up in those results.
"""

from __future__ import annotations


class CrdsError(Exception):
    """Base of every opencrds error."""


class MappingError(CrdsError):
    """A mapping file could not be parsed or loaded.

    ``filename``, ``line`` and ``column`` (1-based) locate the problem when known.
    """

    def __init__(
        self,
        message: str,
        filename: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.filename or "<mapping>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class ChecksumError(MappingError):
    """A mapping's ``sha1sum`` is missing or does not match its text."""

    def __init__(self, message: str, filename: str | None = None) -> None:
        super().__init__(message, filename)

    def _format(self) -> str:
        return self.message


class UnknownInstrumentError(CrdsError):
    """The instrument named by a header is not in the context."""


class UnknownReftypeError(CrdsError):
    """A reference type is not defined by the mapping."""


class MissingInstrumentError(CrdsError):
    """The header has no usable instrument keyword."""


class LookupFailure(CrdsError):
    """A selection failed; the message becomes ``NOT FOUND <message>``."""


class ValidationFailure(CrdsError):
    """A header value is not among the values a Match column accepts."""


class NotApplicable(CrdsError):
    """The type does not apply to this dataset (``NOT FOUND n/a``)."""


class Omitted(CrdsError):
    """The type is left out of the results."""


#: What a lookup may raise, besides :class:`CrdsError`, for a dataset header it cannot use:
#: values of a type or form that the selectors, the observatory hooks or the header expressions
#: refuse (a missing key, ``None`` where text is expected, ``int('x')``, an overflow). crds
#: reports each as ``NOT FOUND <message>``, and so does opencrds. Anything else (NameError,
#: RuntimeError, ImportError, AssertionError, OSError, ...) is a bug and propagates.
HEADER_VALUE_ERRORS: tuple[type[Exception], ...] = (
    LookupError, TypeError, ValueError, AttributeError, ArithmeticError)

#: Every failure a lookup turns into a ``NOT FOUND`` result.
LOOKUP_ERRORS: tuple[type[Exception], ...] = (CrdsError, *HEADER_VALUE_ERRORS)

#: What loading a child mapping may raise: a rules error (not found, bad checksum, bad
#: syntax), an unreadable file, or a text source's ``KeyError`` for a name it lacks.
CHILD_LOAD_ERRORS: tuple[type[Exception], ...] = (CrdsError, OSError, LookupError)
