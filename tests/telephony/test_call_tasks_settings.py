"""The settings of contacts and tasks from calls: read from the file or the environment, and
what they mean for a missed call."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kompas_cc.settings import SettingsError, load_settings
from kompas_cc.settings_calls import CallbackTarget, parse_callback_targets
from kompas_cc.telephony.call_task_rules import CallTaskRules


def test_callback_targets_read_the_same_from_the_file_and_the_environment(
    tmp_path: Path,
) -> None:
    config = tmp_path / "kompas.toml"
    config.write_text(
        '[calls]\ncallback_targets = ["support=operator1,operator2", "+74951234567=manager1"]\n'
        'calls_unknown_caller = "nothing"\ncallback_due_minutes = 45\n',
        encoding="utf-8",
    )
    from_file = load_settings(config_path=config, environ={})
    from_env = load_settings(
        config_path=tmp_path / "absent.toml",
        environ={
            "KOMPAS_CALLBACK_TARGETS": "support=operator1, operator2 ; +74951234567=manager1",
            "KOMPAS_CALLS_UNKNOWN_CALLER": "nothing",
            "KOMPAS_CALLBACK_DUE_MINUTES": "45",
        },
    )

    expected = (
        CallbackTarget("support", ("operator1", "operator2")),
        CallbackTarget("+74951234567", ("manager1",)),
    )
    for settings in (from_file, from_env):
        assert settings.callback_targets == expected
        assert settings.calls_unknown_caller == "nothing"
        assert settings.callback_due_minutes == 45


def test_the_defaults_make_leads_and_give_half_an_hour(tmp_path: Path) -> None:
    settings = load_settings(config_path=tmp_path / "absent.toml", environ={})

    rules = CallTaskRules.from_settings(settings)

    assert (rules.unknown_caller, rules.callback_due, rules.locale) == (
        "lead",
        timedelta(minutes=30),
        "ru",
    )
    assert rules.target_logins("support", "+74951234567") == ()


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"KOMPAS_CALLS_UNKNOWN_CALLER": "client"}, "calls_unknown_caller"),
        ({"KOMPAS_CALLBACK_DUE_MINUTES": "0"}, "callback_due_minutes"),
        ({"KOMPAS_CALLBACK_DUE_MINUTES": "soon"}, "callback_due_minutes"),
        ({"KOMPAS_CALLBACK_TARGETS": "support"}, "lacks its users"),
        ({"KOMPAS_CALLBACK_TARGETS": "support="}, "logins"),
        ({"KOMPAS_CALLBACK_TARGETS": "=anna"}, "queue or number"),
        ({"KOMPAS_CALLBACK_TARGETS": "support=anna;support=boris"}, "given twice"),
    ],
)
def test_unusable_call_settings_name_their_key(
    tmp_path: Path, environ: dict[str, str], complaint: str
) -> None:
    with pytest.raises(SettingsError, match=complaint):
        load_settings(config_path=tmp_path / "absent.toml", environ=environ)


def test_a_key_that_reads_as_a_number_is_a_dialled_number_and_any_other_a_queue() -> None:
    rules = CallTaskRules.build(
        targets=parse_callback_targets(
            ["support=anna", "8 (495) 123-45-67=maria", "600=boris", "sales=admin"]
        )
    )

    assert rules.did_targets == {"+74951234567": ("maria",)}
    assert rules.queue_targets == {"support": ("anna",), "600": ("boris",), "sales": ("admin",)}
    assert rules.target_logins("support", "+74951234567") == ("anna",)
    assert rules.target_logins("other", "+74951234567") == ("maria",)
    assert rules.target_logins(None, "+74957654321") == ()
