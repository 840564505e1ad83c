import pytest
from pydantic import ValidationError

from bot.settings import Settings, normalise_database_url


@pytest.mark.parametrize(
    ("plain", "driver"),
    [
        ("sqlite:///bot.db", "sqlite+aiosqlite:///bot.db"),
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_plain_database_urls_get_the_async_driver(plain: str, driver: str) -> None:
    assert normalise_database_url(plain) == driver


def test_contract_names_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("PORT", "4000")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
    monkeypatch.setenv("SYNC_INTERVAL_SECONDS", "5")
    monkeypatch.setenv("ASHBY_API_URL", "http://127.0.0.1:9/")
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///x.db"
    assert settings.port == 4000
    assert settings.base_url == "http://localhost:4000"
    assert settings.sync_interval_seconds == 5
    assert settings.ashby_api_url == "http://127.0.0.1:9/"
    assert "s3cret" not in repr(settings)


def test_production_refuses_the_generated_dev_key() -> None:
    with pytest.raises(ValidationError, match="ENCRYPTION_KEYS"):
        Settings(_env_file=None, env="production")


def test_missing_slack_settings_are_named() -> None:
    assert Settings(_env_file=None).missing_slack_settings() == [
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
    ]
    socket_mode = Settings(_env_file=None, slack_app_token="xapp-1", slack_bot_token="xoxb-1")
    assert socket_mode.missing_slack_settings() == []


def test_dev_key_is_kept_for_restarts(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = Settings(_env_file=None).fernet_keys
    assert Settings(_env_file=None).fernet_keys == first
    assert (tmp_path / ".dev-encryption-key").stat().st_mode & 0o077 == 0
