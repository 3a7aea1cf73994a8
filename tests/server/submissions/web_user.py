"""A user of a real ``opencrds serve`` driving the submission pages as a browser would: a
``requests.Session`` that logs in at /login/ (with its instrument lock), uploads through
/upload/chunked/, posts a form with its CSRF token, follows the processing through the JSON-RPC
``jpoll_pull_messages`` until ``done``, reads the result page and confirms or cancels."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import requests
from submission_servers import SubmissionServer

SUBMISSION_ID = re.compile(r"/display_result/([0-9a-f-]{36})")


def form_token(page: requests.Response) -> str:
    """The ``csrfmiddlewaretoken`` of a page's form."""
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def page_status(page: requests.Response) -> str:
    """The submission status shown by a result page."""
    found = re.search(r'id="submission_status">([^<]*)<', page.text)
    assert found, page.text[:2000]
    return found.group(1)


class WebUser:
    """One user's browser session on a submission server."""

    def __init__(self, served: SubmissionServer, username: str) -> None:
        self.served, self.username = served, username
        self.base = f"http://127.0.0.1:{served.server.port}"
        self.session = requests.Session()
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=120, **kwargs)

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        return self.session.post(self.base + path, data=data, timeout=300, **kwargs)

    def login(self, instrument: str = "none") -> None:
        """Log in with the user's API token, locking ``instrument``."""
        page = self.get("/login/")
        assert page.status_code == 200, page.text[:2000]
        answer = self.post("/login/", {
            "csrfmiddlewaretoken": form_token(page), "username": self.username,
            "password": self.served.tokens[self.username], "instrument": instrument,
            "next": "/"})
        assert answer.status_code == 200 and answer.url == self.base + "/", answer.text[:3000]

    def lock(self) -> str:
        """The instrument this user has locked ('' for none)."""
        return self.get(f"/lock_status/{self.username}/").json()["name"]

    def upload(self, *paths: Path) -> None:
        """Upload ``paths`` (each in one chunk, as crds does for small files)."""
        self.get("/upload/chunked/")  # the CSRF cookie
        for path in paths:
            size = path.stat().st_size
            answer = self.session.post(
                self.base + "/upload/chunked/", timeout=300,
                data={"csrfmiddlewaretoken": self.session.cookies["csrftoken"]},
                files={"files": (path.name, path.read_bytes())},
                headers={"Content-Range": f"bytes 0-{size - 1}/{size}"})
            assert answer.status_code == 200, answer.text
            [stored] = answer.json()["files"]
            assert "error" not in stored and stored["size"] == size, stored

    def wipe_uploads(self) -> None:
        """Delete whatever is in the user's upload area (as crds does, through deleteUrl)."""
        for upload in self.get("/upload/list/").json()["files"]:
            assert self.get(upload["deleteUrl"]).status_code == 200, upload

    def open_channel(self) -> str:
        answer = self.get("/jpoll/open_channel")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def start(self, path: str, fields: dict[str, Any]) -> tuple[str, str]:
        """GET the form at ``path`` and POST ``fields`` with its CSRF token and a new jpoll
        channel; (submission id, channel key)."""
        page = self.get(path)
        assert page.status_code == 200, page.text[:3000]
        key = self.open_channel()
        answer = self.post(path, {"csrfmiddlewaretoken": form_token(page), "jpoll_key": key,
                                  **fields})
        assert answer.status_code == 200, answer.text[:3000]
        found = SUBMISSION_ID.search(answer.text)
        assert found, answer.text[:3000]
        return found.group(1), key

    def follow(self, key: str, timeout: float = 300) -> tuple[dict[str, Any], list[str]]:
        """The ``done`` data of channel ``key`` and the lines before it, pulled through the
        JSON-RPC ``jpoll_pull_messages`` as crds's monitor does."""
        since, lines = 0, []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.served.server.rpc("jpoll_pull_messages", key, since):
                since = message["id"]
                if message["type"] == "done":
                    return message["data"], lines
                lines.append(f"{message['type']}: {message['data']}")
            time.sleep(0.3)
        raise AssertionError(f"no 'done' on channel {key} in {timeout} s: {lines}")

    def submit(self, path: str, fields: dict[str, Any]) -> tuple[str, requests.Response]:
        """Start a submission, follow it to its end; (its id, its result page)."""
        submission_id, key = self.start(path, fields)
        done, lines = self.follow(key)
        assert done["result"].endswith(f"/display_result/{submission_id}"), done
        page = self.get(f"/display_result/{submission_id}")
        assert page.status_code == 200, page.text[:3000]
        return submission_id, page

    def act(self, submission_id: str, button: str) -> requests.Response:
        """Confirm or cancel (``button``) through the result page's form."""
        page = self.get(f"/display_result/{submission_id}")
        return self.post("/submit_confirm/", {"csrfmiddlewaretoken": form_token(page),
                                              "results_id": submission_id, "button": button})
