"""Settings: defaults from platformdirs, then a TOML file, the environment and options; errors name keys."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from kontaktfilter.settings import SettingsError, load_settings


def test_default_is_sqlite_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KONTAKTFILTER_DATA_DIR")
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda app: str(tmp_path / "share" / app))
    s = load_settings()
    assert s.database == f"sqlite:///{tmp_path / 'share' / 'kontaktfilter' / 'inbox.sqlite3'}"
    assert (s.learn_min_decisions, s.learn_every, s.ask_back_days, s.import_batch_size) == (20, 10, 7, 2000)


def test_layers_option_over_environment_over_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[inbox]\nlearn_every = 5\nask_back_days = 10\ndatabase_url = "sqlite:///from-file.db"\n'
    )
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(config))
    assert load_settings().database == "sqlite:///from-file.db"
    assert (load_settings().learn_every, load_settings().ask_back_days) == (5, 10)
    monkeypatch.setenv("KONTAKTFILTER_DATABASE_URL", "postgres://kf:secret@db.example/inbox")
    monkeypatch.setenv("KONTAKTFILTER_LEARN_EVERY", "3")
    s = load_settings()
    assert s.database == "postgresql+psycopg://kf:secret@db.example/inbox" and s.learn_every == 3
    assert load_settings(database_url="sqlite:///cli.db").database == "sqlite:///cli.db"


@pytest.mark.parametrize(
    ("env", "options", "message"),
    [
        (
            {"KONTAKTFILTER_LEARN_EVERY": "0"},
            {},
            "KONTAKTFILTER_LEARN_EVERY: Input should be greater than or equal to 1",
        ),
        (
            {"KONTAKTFILTER_IMPORT_BATCH_SIZE": "lots"},
            {},
            "KONTAKTFILTER_IMPORT_BATCH_SIZE: Input should be a valid integer",
        ),
        (
            {"KONTAKTFILTER_POLICY": "/nowhere/policy.toml"},
            {},
            "KONTAKTFILTER_POLICY: no policy file at /nowhere/policy.toml",
        ),
        ({}, {"database_url": "oracle://x"}, "--database: unsupported database 'oracle'"),
        ({}, {"import_batch_size": 0}, "--batch-size: Input should be greater than or equal to 1"),
    ],
)
def test_errors_name_the_key(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], options: dict[str, object], message: str
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SettingsError) as info:
        load_settings(**options)
    assert message in str(info.value)


def test_errors_in_the_config_file_name_file_and_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("learn_min_decisions = 1\n")
    monkeypatch.setenv("KONTAKTFILTER_CONFIG", str(config))
    with pytest.raises(
        SettingsError, match=f"{config}: learn_min_decisions: Input should be greater than or equal to 2"
    ):
        load_settings()
    config.write_text("learn_every = [\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings()
