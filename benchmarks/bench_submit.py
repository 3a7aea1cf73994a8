"""Submission latency: from upload to READY and to confirmed, for a 1-file and a 30-file
JWST delivery (issue #13's goal: under 10 s for 30 files).

Run ``python benchmarks/bench_submit.py`` (``--files 1 30`` by default). The script imports the
shared JWST cache into a temporary ``OPENCRDS_HOME``, adds a submitter with an API token, starts
``opencrds serve`` (with its task-queue consumer) and delivers variants of a real NIRISS
reference (``crds-test-data/jwst/niriss_ref_photom.fits``, each with its own USEAFTER) the way
``crds submit`` does over HTTP: log in with the instrument locked, upload, post the batch form,
follow the jpoll channel until ``done``, then confirm. The real crds has no server to compare
with, so the table gives seconds, not ratios.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_paths import shared_data
from bench_server import _env, _opencrds, rpc, start_server, stop_server

SOURCE = "jwst/niriss_ref_photom.fits"
USER, INSTRUMENT = "bench", "niriss"


def make_files(source: Path, count: int, first_day: int, folder: Path) -> list[Path]:
    """``count`` copies of ``source``, each with its own USEAFTER (so none replaces another)."""
    from astropy.io import fits

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index in range(count):
        day = datetime.datetime(2031, 1, 1) + datetime.timedelta(days=first_day + index)
        path = folder / f"bench_niriss_photom_{first_day + index:04d}.fits"
        with fits.open(source) as hdus:
            hdus[0].header["USEAFTER"] = day.strftime("%Y-%m-%dT%H:%M:%S")
            hdus.writeto(path, overwrite=True)
        files.append(path)
    return files


def add_user(home: Path) -> str:
    """A NIRISS submitter with an API token; the token."""
    env = {**_env(home), "OPENCRDS_USER_PASSWORD": "bench password 1234"}
    subprocess.run([*_opencrds(), "manage", "add_user", USER, "--email", "bench@example.org",
                    "--observatory", "jwst", "--instrument", INSTRUMENT], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    done = subprocess.run([*_opencrds(), "manage", "issue_token", USER], env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def _csrf(client: httpx.Client, url: str) -> str:
    response = client.get(url)
    response.raise_for_status()
    return client.cookies["csrftoken"]


def deliver(url: str, token: str, files: list[Path]) -> dict[str, float]:
    """One delivery as crds submit makes it; seconds of each phase."""
    with httpx.Client(base_url=url, timeout=300, follow_redirects=True,
                      headers={"referer": url}) as client:
        token_csrf = _csrf(client, "/login/")
        client.post("/login/", data={"username": USER, "password": token,
                                     "instrument": INSTRUMENT, "next": "/",
                                     "csrfmiddlewaretoken": token_csrf}).raise_for_status()
        key = client.get("/jpoll/open_channel").json()
        started = time.perf_counter()
        for path in files:
            csrf = _csrf(client, "/upload/chunked/")
            with path.open("rb") as stream:
                client.post("/upload/chunked/", data={"csrfmiddlewaretoken": csrf},
                            files={"files": (path.name, stream)}).raise_for_status()
        uploaded = time.perf_counter()
        csrf = _csrf(client, "/batch_submit_references/")
        client.post("/batch_submit_references/", data={
            "pmap_mode": "pmap_edit", "instrument": INSTRUMENT, "change_level": "SEVERE",
            "creator": "Bench", "description": "Benchmark delivery", "auto_rename": "True",
            "compare_old_reference": "True", "jpoll_key": key,
            "csrfmiddlewaretoken": csrf}).raise_for_status()
        since, result = 0, None
        while result is None:
            for message in rpc(url, "jpoll_pull_messages", key, since):
                since = max(since, int(message["id"]))
                if message["type"] == "done":
                    if message["data"]["status"] != 0:
                        raise SystemExit(f"submission failed: {message['data']}")
                    result = message["data"]["result"]
            time.sleep(0.05)
        ready = time.perf_counter()
        results_id = result.rstrip("/").rsplit("/", 1)[1]
        csrf = _csrf(client, f"/display_result/{results_id}")
        page = client.post("/submit_confirm_pipeline/", data={
            "results_id": results_id, "button": "confirm", "csrfmiddlewaretoken": csrf})
        page.raise_for_status()
        if re.search(r'id="error_message"', page.text):
            raise SystemExit("confirm failed")
        confirmed = time.perf_counter()
        client.get("/logout/")
    return {"upload": uploaded - started, "ready": ready - uploaded,
            "confirm": confirmed - ready, "total": confirmed - started}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--cache", type=Path, default=shared_data() / "crds-cache")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    source = shared_data() / "crds-test-data" / SOURCE
    home = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    (home / "home").mkdir()
    process = None
    try:
        process, url = start_server(args.cache, "jwst", args.workers, home / "home")
        token = add_user(home / "home")
        rows, day = [], 0
        # the first delivery after a start also pays for the queue worker's imports and its
        # first load of the context: reported on its own row
        plan = [(1, "1 (first after start)")] + [(count, str(count)) for count in args.files]
        for index, (count, label) in enumerate(plan):
            files = make_files(source, count, day, home / f"files-{index}")
            day += count
            times = deliver(url, token, files)
            rows.append((label, times))
            print(f"{label} files: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()),
                  file=sys.stderr)
        print("| files | upload | upload → READY | READY → confirmed | total |")
        print("|---|---:|---:|---:|---:|")
        for label, t in rows:
            print(f"| {label} | {t['upload']:.2f} s | {t['ready']:.2f} s | "
                  f"{t['confirm']:.2f} s | {t['total']:.2f} s |")
    finally:
        if process is not None:
            stop_server(process)
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
