"""One error hierarchy: every exception opencrds defines (outside the Django server) is a
``CrdsError``, so a caller can catch the project's failures without catching its bugs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import opencrds
from opencrds.rules.errors import CrdsError

#: Exceptions that are deliberately not ``CrdsError``s, and why.
ALLOWED = {
    # an interruption, not an error: it must pass every ``except Exception`` like Ctrl-C
    "opencrds.client.plugin.PluginInterrupted": KeyboardInterrupt,
    # internal control flow of the coverage search: raised and caught inside one method
    "opencrds.rules.coverage._Budget": Exception,
}


def _project_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(opencrds.__path__, "opencrds."):
        if info.name == "opencrds.server" or info.name.startswith("opencrds.server."):
            continue  # Django's side keeps its own error mapping
        names.append(info.name)
    return names


def _defined_exceptions() -> dict[str, type[BaseException]]:
    found = {}
    for name in _project_modules():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) \
                    and value.__module__ == name:
                found[f"{name}.{attribute}"] = value
    return found


def test_the_walk_sees_the_known_errors() -> None:
    found = _defined_exceptions()
    for name in ("opencrds.rules.errors.MappingError", "opencrds.cache.locking.LockTimeout",
                 "opencrds.rules.timestamps.DateFormatError", *ALLOWED):
        assert name in found


def test_every_project_exception_is_a_crds_error() -> None:
    strays = [name for name, cls in _defined_exceptions().items()
              if not issubclass(cls, CrdsError) and name not in ALLOWED]
    assert strays == []


def test_the_allowed_exceptions_are_what_they_say() -> None:
    found = _defined_exceptions()
    for name, base in ALLOWED.items():
        assert issubclass(found[name], base)
        assert not issubclass(found[name], CrdsError)


@pytest.mark.parametrize("name", [
    "opencrds.rules.naming.NameComparisonError",
    "opencrds.rules.edit.RefactorError",
    "opencrds.rules.timestamps.DateFormatError",
    "opencrds.rules.expressions.ExpressionSyntaxError",
    "opencrds.certify.rmap_update.InsertError",
    "opencrds.cache.purge.OutsideCacheError",
])
def test_former_value_errors_still_are_value_errors(name: str) -> None:
    """``except ValueError`` callers keep working."""
    module, _, attribute = name.rpartition(".")
    cls = getattr(importlib.import_module(module), attribute)
    assert issubclass(cls, CrdsError) and issubclass(cls, ValueError)


def test_lock_timeout_still_is_a_timeout() -> None:
    from opencrds.cache.locking import LockTimeout

    assert issubclass(LockTimeout, CrdsError) and issubclass(LockTimeout, TimeoutError)


def test_a_bad_date_in_a_closest_time_rmap_still_is_a_mapping_error() -> None:
    """The loader turns the rules' own ValueErrors into MappingError, as before."""
    from opencrds.rules.errors import MappingError
    from opencrds.rules.loader import MappingLoader

    text = ("header = {'name': 'x.rmap', 'mapping': 'reference', 'observatory': 'hst', "
            "'instrument': 'acs', 'filekind': 'biasfile', 'derived_from': 'y', 'sha1sum': 'x', "
            "'parkey': (('DATE-OBS', 'TIME-OBS'),)}\n"
            "selector = ClosestTime({'not a date': 'a.fits'})\n")
    with pytest.raises(MappingError) as info:
        MappingLoader(lambda name: text, ignore_checksum=True).from_text(text, "x.rmap")
    assert "invalid ClosestTime key: Invalid month value" in str(info.value)


# ---- lookups: header problems become NOT FOUND results, bugs do not --------------------------

_RMAP = ("header = {'name': 'x.rmap', 'mapping': 'reference', 'observatory': 'buggy', "
         "'instrument': 'cam', 'filekind': 'dark', 'derived_from': 'y', 'sha1sum': 'x', "
         "'parkey': (('DETECTOR',),), 'rmap_relevance': '(FILTER != \"F1\")', "
         "'hooks': {'precondition_header': 'broken'}}\n"
         "selector = Match({'A': 'x_dark_0001.fits'})\n")


def _rmap_with_hook(hook):  # type: ignore[no-untyped-def]
    from opencrds.rules.conventions import Conventions
    from opencrds.rules.loader import MappingLoader

    class Buggy(Conventions):
        name = "buggy"

        def hook(self, instrument, name):  # type: ignore[no-untyped-def]
            return hook if name == "broken" else None

    loader = MappingLoader(lambda name: _RMAP, ignore_checksum=True,
                           conventions=lambda observatory: Buggy())
    return loader.from_text(_RMAP, "x.rmap")


def test_a_header_problem_in_a_hook_is_a_not_found_result() -> None:
    def needs_key(header):  # type: ignore[no-untyped-def]
        return {**header, "DETECTOR": header["NAXIS1"]}

    rmap = _rmap_with_hook(needs_key)
    assert rmap.get_best_references({"DETECTOR": "A", "FILTER": "F2"}) == {
        "dark": "NOT FOUND 'NAXIS1'"}


def test_a_bug_in_a_hook_is_not_turned_into_an_answer() -> None:
    def buggy(header):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug, not a lookup failure")

    rmap = _rmap_with_hook(buggy)
    with pytest.raises(RuntimeError, match="a bug"):
        rmap.get_best_references({"DETECTOR": "A", "FILTER": "F2"})


def test_an_undefined_name_in_an_expression_still_reads_as_crds_says() -> None:
    from opencrds.rules.expressions import UndefinedName, compile_expression

    with pytest.raises(NameError, match="name 'FILTER' is not defined") as info:
        compile_expression('(FILTER != "F1")').evaluate({})
    assert isinstance(info.value, UndefinedName) and isinstance(info.value, CrdsError)
