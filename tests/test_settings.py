"""Settings come from the TOML file, then KOMPAS_* variables; the example documents every key."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from kompas_cc.settings import Settings, SettingsError, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "kompas.example.toml"


def test_example_config_documents_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = [f.name for f in fields(Settings) if f.name != "extra" and f"{f.name} =" not in text]
    assert missing == []


def test_example_config_loads_to_the_defaults() -> None:
    loaded = load_settings(config_path=EXAMPLE, environ={})
    assert loaded.database_url == Settings().database_url
    assert loaded.upload_allowed_types == Settings().upload_allowed_types
    assert loaded.extra == {}


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "kompas.toml"
    config.write_text('[http]\nhttp_port = 9000\nhttp_host = "0.0.0.0"\n', encoding="utf-8")
    loaded = load_settings(config_path=config, environ={"KOMPAS_HTTP_PORT": "9100"})
    assert loaded.http_port == 9100
    assert loaded.http_host == "0.0.0.0"


def test_unusable_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="http_port"):
        load_settings(config_path=tmp_path / "none.toml", environ={"KOMPAS_HTTP_PORT": "eighty"})
    with pytest.raises(SettingsError, match="client_visibility"):
        load_settings(
            config_path=tmp_path / "none.toml", environ={"KOMPAS_CLIENT_VISIBILITY": "some"}
        )
