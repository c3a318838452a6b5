"""The telephony settings: when AMI is on, trunks in the file and in one variable, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kompas_cc.settings import Settings, SettingsError, load_settings
from kompas_cc.settings_ami import Trunk


def _load(tmp_path: Path, toml: str = "", **environ: str) -> Settings:
    config = tmp_path / "kompas.toml"
    config.write_text(toml, encoding="utf-8")
    return load_settings(config_path=config, environ=environ)


def test_ami_is_off_until_a_host_is_given(tmp_path: Path) -> None:
    assert not _load(tmp_path).ami_enabled

    on = _load(tmp_path, KOMPAS_AMI_HOST="pbx.local", KOMPAS_AMI_SECRET="s3cret")

    assert on.ami_enabled
    assert (on.ami_host, on.ami_port, on.ami_username) == ("pbx.local", 5038, "kompas")
    assert on.originate_context == "kompas-outbound"


def test_ami_enabled_false_keeps_it_off_despite_a_host(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        '[telephony]\nami_host = "pbx.local"\nami_enabled = false\n',
        KOMPAS_AMI_SECRET="s3cret",
    )

    assert not settings.ami_enabled


def test_all_ami_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        KOMPAS_AMI_HOST="10.0.0.5",
        KOMPAS_AMI_PORT="5039",
        KOMPAS_AMI_USERNAME="crm",
        KOMPAS_AMI_SECRET="s3cret",
        KOMPAS_ORIGINATE_CONTEXT="crm-dialout",
    )

    assert (settings.ami_host, settings.ami_port, settings.ami_username) == (
        "10.0.0.5",
        5039,
        "crm",
    )
    assert settings.ami_secret == "s3cret"
    assert settings.originate_context == "crm-dialout"


def test_trunks_read_the_same_from_the_file_and_from_one_variable(tmp_path: Path) -> None:
    from_file = _load(tmp_path, '[telephony]\ntrunks = ["PJSIP/trunk-*=30", "PJSIP/mts-*=15"]\n')
    from_env = _load(tmp_path, KOMPAS_TRUNKS="PJSIP/trunk-*=30, PJSIP/mts-*=15")

    expected = (Trunk("PJSIP/trunk-*", 30), Trunk("PJSIP/mts-*", 15))
    assert from_file.trunks == expected
    assert from_env.trunks == expected
    assert _load(tmp_path, KOMPAS_TRUNKS="").trunks == ()


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("PJSIP/trunk-*", "lacks its number of lines: write PATTERN=LINES"),
        ("PJSIP/trunk-*=many", "whole number from 1 to 100000"),
        ("PJSIP/trunk-*=0", "whole number from 1 to 100000"),
        ("=30", "the pattern must be one word"),
        ("PJSIP/trunk *=30", "the pattern must be one word"),
        ("PJSIP/trunk-*=30,PJSIP/trunk-*=10", "'PJSIP/trunk-*' is given twice"),
    ],
)
def test_a_bad_trunk_is_named_with_what_is_wrong(
    tmp_path: Path, value: str, complaint: str
) -> None:
    with pytest.raises(SettingsError, match="setting 'trunks'") as error:
        _load(tmp_path, KOMPAS_TRUNKS=value)

    assert complaint in str(error.value)


def test_trunks_written_as_a_table_are_refused_with_the_right_shape(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r'list of "PATTERN=LINES" strings'):
        _load(tmp_path, '[telephony]\ntrunks = { "PJSIP/trunk-*" = 30 }\n')


def test_enabled_ami_without_a_secret_says_where_to_put_it(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="'ami_secret' is empty: set KOMPAS_AMI_SECRET"):
        _load(tmp_path, KOMPAS_AMI_HOST="pbx.local")


def test_enabled_ami_without_a_host_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="'ami_enabled' is true but 'ami_host' is empty"):
        _load(tmp_path, KOMPAS_AMI_ENABLED="yes", KOMPAS_AMI_SECRET="s3cret")


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"KOMPAS_AMI_PORT": "70000"}, "'ami_port' must be from 1 to 65535"),
        ({"KOMPAS_AMI_PORT": "AMI"}, "'ami_port' has an unusable value"),
        ({"KOMPAS_ORIGINATE_CONTEXT": "kompas outbound"}, "'originate_context' must be"),
        ({"KOMPAS_ORIGINATE_CONTEXT": ""}, "'originate_context' must be"),
        (
            {"KOMPAS_AMI_HOST": "pbx", "KOMPAS_AMI_SECRET": "x", "KOMPAS_AMI_USERNAME": " "},
            "'ami_username' is empty",
        ),
    ],
)
def test_unusable_ami_values_name_their_key(
    tmp_path: Path, environ: dict[str, str], complaint: str
) -> None:
    with pytest.raises(SettingsError, match=complaint):
        _load(tmp_path, **environ)
