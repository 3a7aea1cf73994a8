"""The operator management commands (set_context, mark_bad, remote_contexts) through
call_command on the real JWST catalog: thin wrappers printing what the services did."""

from __future__ import annotations

from inprocess import manage

LATEST, OLDER = "jwst_0541.pmap", "jwst_0540.pmap"


def test_set_context_sets_latest_and_reports_refusals(jwst: str) -> None:
    from opencrds.server.catalog import queries
    from opencrds.server.catalog.models import AuditEntry

    done = manage("set_context", "jwst", "latest", OLDER, "--reason", "Reversion, CRDS-2.",
                  "--user", "olivia")
    assert done.stdout == f"latest context: {OLDER}\n"
    assert queries.default_contexts("jwst")["operational"] == OLDER
    assert queries.context_history("jwst")[0][1:] == [OLDER, "Reversion, CRDS-2."]
    assert AuditEntry.objects.first().user == "olivia"
    failed = manage("set_context", "jwst", "latest", "jwst_0500.pmap", "--reason", "x",
                    check=False)
    assert failed.returncode == 1
    assert "cannot be the latest context: it contains bad files" in failed.stderr
    failed = manage("set_context", "jwst", "latest", LATEST, check=False)
    assert "a reason is required" in failed.stderr
    failed = manage("set_context", "hst", "edit", "hst_0729.pmap", check=False)
    assert "this server serves observatory 'jwst', not 'hst'" in failed.stderr
    assert queries.default_contexts("jwst")["operational"] == OLDER


def test_set_context_sets_edit_versions_and_build(jwst: str) -> None:
    from opencrds.server.catalog import queries

    assert manage("set_context", "jwst", "edit", OLDER).stdout == f"edit context: {OLDER}\n"
    assert manage("set_context", "jwst", "versions", OLDER).stdout == (
        f"versions context: {OLDER}\n")
    assert queries.default_contexts("jwst") == {
        "operational": LATEST, "edit": OLDER, "versions": OLDER}
    done = manage("set_context", "jwst", "build", LATEST, "--calver", "1.16.0", "--banner",
                  "--reason", "release")
    assert done.stdout == f"build context of CAL version 1.16.0: {LATEST} (banner)\n"
    done = manage("set_context", "jwst", "build", OLDER, "--calver", "1.15.0", "--banner")
    assert "banner not updated" in done.stdout
    assert manage("set_context", "jwst", "build", OLDER, check=False).stderr.endswith(
        "the build context needs --calver VERSION\n")
    assert "for the build context only" in manage("set_context", "jwst", "edit", OLDER,
                                                  "--calver", "1", check=False).stderr


def test_mark_bad_and_ok(jwst: str) -> None:
    from opencrds.server.catalog import queries

    imap = next(n for n in queries.child_mappings("jwst", LATEST) if "_miri_" in n)
    rmap = next(n for n in queries.child_mappings("jwst", imap) if "_miri_dark_" in n)
    lines = manage("mark_bad", rmap, "--reason", "wrong darks").stdout.splitlines()
    assert lines[0] == f"{rmap} bad"
    assert f"{imap} blacklisted (contains a bad mapping)" in lines
    assert f"{LATEST} blacklisted (contains a bad mapping)" in lines
    assert rmap in queries.bad_files("jwst")
    lines = manage("mark_bad", rmap, "--ok", "--reason", "fine").stdout.splitlines()
    assert lines[0] == f"{rmap} ok" and f"{LATEST} cleared" in lines
    assert rmap not in queries.bad_files("jwst")
    failed = manage("mark_bad", "nothing.fits", "--reason", "x", check=False)
    assert failed.returncode == 1 and "not known to CRDS: nothing.fits" in failed.stderr


def test_remote_contexts_lists_pipelines(jwst: str) -> None:
    from opencrds.server.catalog import services

    assert manage("remote_contexts").stdout == "no pipeline is registered for jwst\n"
    key = manage("add_pipeline", "jwst-ops-pipeline").stdout.strip()
    manage("add_pipeline", "jwst-test-pipeline")
    services.push_remote_context("jwst", key, OLDER, "operational")
    lines = manage("remote_contexts", "jwst").stdout.splitlines()
    assert lines[0].startswith(f"jwst-ops-pipeline  latest  {OLDER}  20")
    assert lines[1] == "jwst-test-pipeline  latest  -  -"

