"""/json/browse/: every registered JSON-RPC method with its parameters and a try-it form."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from browse_helpers import SQLITE_ONLY, element
from server_helpers import Server

from opencrds.server.rpc.jsonrpc import METHODS

pytestmark = [pytest.mark.shared_data, SQLITE_ONLY]


def test_every_method_is_listed_with_its_parameters(hst_server: Server) -> None:
    page = hst_server.get("/json/browse/").text
    assert "<h1>JSON-RPC Browser</h1>" in page
    listed = re.findall(r'<li><a href="#m-([a-z_]+)">', element(page, "rpc_method_list"))
    assert listed == sorted(METHODS) and "get_best_references" in listed
    for name, method in METHODS.items():
        section = element(page, f"m-{name}")
        call = f"{name}({', '.join(method.signature.parameters)})"
        assert f"<code>{call}</code>" in section, name
        assert f'<label for="params-{name}">' in section
    assert "browse.js" in page


def test_the_json_form_and_a_call_as_the_page_makes_it(hst_server: Server) -> None:
    methods = {m["name"]: m for m in hst_server.get("/json/browse/?format=json").json()}
    assert set(methods) == set(METHODS)
    parameters = methods["get_default_context"]["parameters"]
    assert [p["name"] for p in parameters] == list(
        inspect.signature(METHODS["get_default_context"].function).parameters)
    assert methods["get_default_context"]["doc"]
    body = json.dumps({"jsonrpc": "1.0", "method": "get_default_context",
                       "params": ["hst"], "id": 1})
    reply = hst_server.post(body, path="/json/get_default_context/browser-1/",
                            headers={"Content-Type": "application/json"}).json()
    assert reply["error"] is None and reply["result"].endswith(".pmap")
