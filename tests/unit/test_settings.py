"""Settings: MYOSCOPE_* variables, overrides, refusing unsafe combinations, the local secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from myoscope.errors import InvalidInputError
from myoscope.settings import Settings, data_dir, default_database_url

SECRET = "s" * 40


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("DATABASE_URL", "HOST", "PORT", "SECRET_KEY"):
        monkeypatch.delenv(f"MYOSCOPE_{name}", raising=False)
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(tmp_path))
    return tmp_path


def test_defaults_bind_locally_with_a_sqlite_file_in_the_data_folder(clean_env: Path) -> None:
    settings = Settings()
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.is_local
    assert settings.database_url == f"sqlite:///{clean_env / 'myoscope.db'}"
    assert settings.database_url == default_database_url()
    assert len(settings.secret_key) >= 32
    assert not settings.secret_key_configured


def test_each_settings_object_gets_its_own_random_secret() -> None:
    assert Settings().secret_key != Settings().secret_key


def test_the_secret_is_not_shown_in_repr() -> None:
    assert SECRET not in repr(Settings(secret_key=SECRET))


def test_data_dir_defaults_to_the_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MYOSCOPE_DATA_DIR")
    assert data_dir().name == "myoscope"


def test_from_env_reads_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYOSCOPE_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("MYOSCOPE_HOST", "0.0.0.0")
    monkeypatch.setenv("MYOSCOPE_PORT", "9000")
    monkeypatch.setenv("MYOSCOPE_SECRET_KEY", SECRET)
    settings = Settings.from_env()
    assert (settings.database_url, settings.host, settings.port) == (
        "sqlite:///x.db",
        "0.0.0.0",
        9000,
    )
    assert settings.secret_key == SECRET
    assert settings.secret_key_configured
    assert settings.checked() is settings


def test_overrides_win_and_none_overrides_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYOSCOPE_HOST", "0.0.0.0")
    monkeypatch.setenv("MYOSCOPE_PORT", "9000")
    settings = Settings.from_env(host="127.0.0.1", port=None, database_url=None)
    assert settings.host == "127.0.0.1"
    assert settings.port == 9000
    assert settings.database_url == default_database_url()


def test_a_secret_given_as_override_counts_as_configured() -> None:
    assert Settings.from_env(secret_key=SECRET).secret_key_configured


def test_a_port_variable_that_is_not_a_number_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYOSCOPE_PORT", "eighty")
    with pytest.raises(
        InvalidInputError, match="MYOSCOPE_PORT must be a whole number; got 'eighty'"
    ):
        Settings.from_env()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_local(host: str) -> None:
    settings = Settings(host=host)
    assert settings.is_local
    assert settings.checked() is settings


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "myoscope.example.org"])
def test_another_interface_without_a_secret_is_refused_with_what_to_set(host: str) -> None:
    settings = Settings(host=host)
    assert not settings.is_local
    with pytest.raises(
        InvalidInputError, match=f"Refusing to serve on {host}.*MYOSCOPE_SECRET_KEY"
    ):
        settings.checked()


def test_another_interface_with_a_configured_secret_is_allowed() -> None:
    settings = Settings.from_env(host="0.0.0.0", secret_key=SECRET)
    assert settings.checked() is settings


def test_a_short_configured_secret_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="too short \\(5 characters\\); use at least 32"):
        Settings.from_env(secret_key="short").checked()


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_a_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(InvalidInputError, match=f"between 1 and 65535; got {port}"):
        Settings(port=port).checked()


def test_the_local_secret_is_kept_private_in_the_data_folder(clean_env: Path) -> None:
    first = Settings().with_local_secret()
    path = clean_env / "secret_key"
    assert path.read_text(encoding="utf-8") == first.secret_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Settings().with_local_secret()
    assert again.secret_key == first.secret_key
    assert not again.secret_key_configured


def test_a_configured_secret_is_not_replaced_by_the_local_one(clean_env: Path) -> None:
    settings = Settings.from_env(secret_key=SECRET)
    assert settings.with_local_secret() is settings
    assert not (clean_env / "secret_key").exists()


def test_an_unwritable_data_folder_leaves_a_random_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MYOSCOPE_DATA_DIR", str(blocker / "sub"))
    settings = Settings()
    assert settings.with_local_secret() is settings


def test_a_short_stored_secret_is_not_used(clean_env: Path) -> None:
    (clean_env / "secret_key").write_text("short", encoding="utf-8")
    settings = Settings()
    assert settings.with_local_secret() is settings
