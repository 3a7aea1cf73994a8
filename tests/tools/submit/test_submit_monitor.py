"""Following the jpoll stream: messages logged as crds does (``>> text``), ``since_id`` the
largest id, ``done`` ends with its status and result URL."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from opencrds.client.rpc import ServiceError, StatusChannelNotFoundError
from opencrds.tools.submit.monitor import (
    CANCELLED,
    COMPLETED,
    FAILED,
    MonitorError,
    Outcome,
    follow,
    handle_messages,
)

URL = "http://127.0.0.1:8000//display_result/f01bdb8b-1111"


def _lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(record.levelname, record.getMessage()) for record in caplog.records]


def test_messages_are_logged_by_type(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="opencrds")
    since, outcome = handle_messages([
        {"id": 1, "type": "log_message", "data": "Certifying &#x27;a.fits&#x27;"},
        {"id": "2", "type": "verbose", "data": "details"},
        {"id": 3, "type": "warning", "data": "odd"},
        {"id": 4, "type": "error", "data": "bad &amp; worse"},
        {"id": 5, "type": "mystery", "data": "?"},
    ], 0)
    assert since == 5 and outcome is None
    lines = _lines(caplog)
    assert lines[:4] == [("INFO", ">> Certifying 'a.fits'"), ("DEBUG", ">> details"),
                         ("WARNING", ">> odd"), ("ERROR", ">> bad & worse")]
    assert lines[4][0] == "WARNING" and "Unknown message type" in lines[4][1]


def test_done_ends_with_status_and_result() -> None:
    since, outcome = handle_messages([
        {"id": 7, "type": "log_message", "data": "x"},
        {"id": 8, "type": "done", "data": {"status": 0, "result": URL}},
        {"id": 9, "type": "log_message", "data": "after done: not read"},
    ], 3)
    assert since == 8
    assert outcome == Outcome(COMPLETED, URL)
    assert outcome.results_id == "f01bdb8b-1111" and outcome.status_name == "COMPLETED"


@pytest.mark.parametrize(("message", "status"), [
    ({"type": "done", "data": {"status": 1, "result": URL}}, FAILED),
    ({"type": "done", "data": {"status": 3, "result": URL}}, CANCELLED),
    ({"type": "done", "data": '{"status": 3, "result": "r"}'}, CANCELLED),
    ({"type": "cancel", "data": "user cancelled"}, CANCELLED),
    ({"type": "fail", "data": {"result": "r"}}, FAILED),
])
def test_terminating_messages(message: dict[str, Any], status: int) -> None:
    _, outcome = handle_messages([{"id": 1, **message}], 0)
    assert outcome is not None and outcome.status == status


@pytest.mark.parametrize("message", [
    {"type": "log_message", "data": "no id"},
    {"id": "x", "type": "log_message", "data": "bad id"},
    {"id": 1, "type": "done", "data": [1, 2]},
])
def test_bad_messages_are_errors(message: dict[str, Any]) -> None:
    with pytest.raises(MonitorError):
        handle_messages([message], 0)


class _Channel:
    """A jpoll channel as the server answers it, call by call."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[Any, ...]] = []

    def call(self, method: str, *params: Any) -> Any:
        self.calls.append((method, *params))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_follow_polls_with_the_largest_id_as_a_string() -> None:
    channel = _Channel(StatusChannelNotFoundError("Channel 'k' not found"), [],
                       [{"id": 1, "type": "log_message", "data": "a"},
                        {"id": 2, "type": "log_message", "data": "b"}],
                       ServiceError("hiccup"),
                       [{"id": 3, "type": "done", "data": {"status": 0, "result": URL}}])
    sleeps: list[float] = []
    outcome = follow(channel, "k", interval=1.5, sleep=sleeps.append)
    assert outcome == Outcome(COMPLETED, URL)
    assert [call[2] for call in channel.calls] == ["0", "0", "0", "2", "2"]
    assert all(call[:2] == ("jpoll_pull_messages", "k") for call in channel.calls)
    assert sleeps == [1.5] * 4


def test_follow_stops_when_told() -> None:
    channel = _Channel([], [])
    reasons = iter([None, "the form POST failed"])
    assert follow(channel, "k", stop=lambda: next(reasons), sleep=lambda s: None) is None
    assert len(channel.calls) == 2


def test_follow_gives_up_after_repeated_failures() -> None:
    channel = _Channel(*[ServiceError("down")] * 10)
    with pytest.raises(MonitorError, match="down"):
        follow(channel, "k", sleep=lambda s: None)
