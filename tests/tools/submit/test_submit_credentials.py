"""Who a submission logs in as: --username, CRDS_USERNAME (env, then ~/.crds.ini), the login
name; the token from MAST_API_TOKEN (env, then ini) or a prompt; an unsafe ini is refused."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from opencrds.tools.submit.credentials import Credentials, CredentialsError, credentials


def _ini(home: Path, text: str, mode: int = 0o600) -> Path:
    path = home / ".crds.ini"
    path.write_text(text)
    path.chmod(mode)
    return path


def _no_prompt(text: str) -> str:
    raise AssertionError(f"unexpected prompt {text!r}")


def test_username_option_wins_over_environment_and_ini(tmp_path: Path) -> None:
    _ini(tmp_path, "[authentication]\nCRDS_USERNAME = ini_user\nMAST_API_TOKEN = ini_token\n")
    found = credentials("given", environ={"CRDS_USERNAME": "env_user"}, home=tmp_path,
                        prompt=_no_prompt)
    assert found == Credentials("given", "ini_token")


def test_environment_wins_over_ini(tmp_path: Path) -> None:
    _ini(tmp_path, "[authentication]\nCRDS_USERNAME = ini_user\nMAST_API_TOKEN = ini_token\n")
    found = credentials(environ={"CRDS_USERNAME": "env_user", "MAST_API_TOKEN": "env_token"},
                        home=tmp_path, prompt=_no_prompt)
    assert found == Credentials("env_user", "env_token")


def test_ini_values_are_used_when_the_environment_has_none(tmp_path: Path) -> None:
    _ini(tmp_path, "[authentication]\nCRDS_USERNAME = ini_user\nMAST_API_TOKEN = ini_token\n")
    assert credentials(environ={}, home=tmp_path, prompt=_no_prompt) == \
        Credentials("ini_user", "ini_token")


def test_login_name_and_prompt_without_any_setting(tmp_path: Path) -> None:
    asked = []
    found = credentials(environ={}, home=tmp_path,
                        prompt=lambda text: asked.append(text) or "typed")
    assert found == Credentials(getpass.getuser(), "typed")
    assert asked and getpass.getuser() in asked[0]


def test_an_empty_prompt_answer_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="MAST_API_TOKEN"):
        credentials("u", environ={}, home=tmp_path, prompt=lambda text: "")


def test_no_terminal_to_prompt_on_is_an_error(tmp_path: Path) -> None:
    def eof(text: str) -> str:
        raise EOFError

    with pytest.raises(CredentialsError, match="MAST_API_TOKEN"):
        credentials("u", environ={}, home=tmp_path, prompt=eof)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_an_ini_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = _ini(tmp_path, "[authentication]\nMAST_API_TOKEN = secret\n", mode)
    with pytest.raises(CredentialsError, match="chmod 600") as error:
        credentials("u", environ={"MAST_API_TOKEN": "t"}, home=tmp_path)
    assert str(path) in str(error.value)


def test_an_ini_without_the_section_gives_nothing(tmp_path: Path) -> None:
    _ini(tmp_path, "[other]\nMAST_API_TOKEN = not_this\n")
    assert credentials("u", environ={}, home=tmp_path, prompt=lambda t: "typed").password \
        == "typed"


def test_an_unparsable_ini_names_the_file(tmp_path: Path) -> None:
    path = _ini(tmp_path, "no section header\n")
    with pytest.raises(CredentialsError, match="Cannot parse") as error:
        credentials("u", environ={}, home=tmp_path)
    assert str(path) in str(error.value)


def test_the_token_is_never_shown() -> None:
    assert "secret" not in repr(Credentials("u", "secret"))


def test_crds_ini_file_names_another_ini(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    path = _ini(other, "[authentication]\nCRDS_USERNAME = ini_user\nMAST_API_TOKEN = tok\n")
    found = credentials(environ={"CRDS_INI_FILE": str(path)}, home=tmp_path, prompt=_no_prompt)
    assert found == Credentials("ini_user", "tok")
