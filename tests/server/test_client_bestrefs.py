"""Remote best references through the unmodified crds client equal serverless crds results."""

from __future__ import annotations

import random
import zlib
from pathlib import Path
from typing import Any

import pytest
from server_helpers import CRDS_CACHE, run_probe, serverless_env

import opencrds
from opencrds.testing.headers import headers_for_context

pytestmark = [pytest.mark.shared_data, pytest.mark.oracle, pytest.mark.slow]


@pytest.fixture
def server(http_server):  # noqa: ANN001, ANN201
    """The server on a socket: the crds client runs in a process of its own."""
    return http_server

HEADERS_PER_CONTEXT = 400
_oracle: dict[str, list[dict[str, Any]]] = {}


def cases_for(context: str) -> list[list[Any]]:
    """[header, reftypes] pairs: every rmap of the context, a full lookup every 10th."""
    rng = random.Random(zlib.crc32(context.encode()))
    pmap = opencrds.load_context(context, cache=CRDS_CACHE)
    pairs = list(headers_for_context(pmap, rng, per_type=6))
    if len(pairs) > HEADERS_PER_CONTEXT:
        pairs = rng.sample(pairs, HEADERS_PER_CONTEXT)
    return [[header, None if i % 10 == 0 else [kind]] for i, (kind, header) in enumerate(pairs)]


def oracle(observatory: str, context: str, workdir: Path) -> list[dict[str, Any]]:
    """What crds computes serverless (local mode over the shared cache), once per context."""
    if context not in _oracle:
        plan = {"bestrefs": {"context": context, "observatory": observatory,
                             "cases": cases_for(context), "functions": ["getrecommendations"]}}
        _oracle[context] = run_probe(plan, serverless_env(observatory), workdir)["bestrefs"]
    return _oracle[context]


def _same(remote: dict[str, Any], local: dict[str, Any]) -> bool:
    if "ok" in local:
        return remote == local
    # Both failed (e.g. a lookup error, or CRDS's mixed-tie defect leaking selector objects,
    # RULES.md §3.2.7): the server must have answered a clear error, not crashed.
    return "raised" in remote and "internal server error" not in remote["raised"][1]


def test_remote_bestrefs_equal_serverless(server, tmp_path: Path) -> None:
    cases = cases_for(server.context)
    assert len(cases) >= 300
    expected = oracle(server.observatory, server.context, tmp_path / "oracle")
    plan = {"bestrefs": {"context": server.context, "observatory": server.observatory,
                         "cases": cases, "functions": ["client", "getrecommendations"]}}
    env = server.crds_env(tmp_path / "cache", mode="remote", CRDS_ALLOW_BAD_RULES="1",
                          CRDS_ALLOW_BAD_REFERENCES="1")
    got = run_probe(plan, env, tmp_path / "remote")["bestrefs"]
    problems = []
    for (header, reftypes), local, remote in zip(cases, expected, got, strict=True):
        for function in ("client", "getrecommendations"):
            if not _same(remote[function], local["getrecommendations"]):
                problems.append(f"{function} {header} {reftypes}\n  serverless: "
                                f"{local['getrecommendations']}\n  remote: {remote[function]}")
    assert not problems, f"{len(problems)} differ:\n" + "\n".join(problems[:5])
    found = sum("ok" in row["getrecommendations"] for row in expected)
    assert found > len(cases) // 2
