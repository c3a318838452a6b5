"""The AMI link's pure parts: action headers, the retry schedule, the configuration."""

from __future__ import annotations

import pytest

from kompas_cc.settings import Settings
from kompas_cc.telephony import amiactions
from kompas_cc.telephony.amilink import AmiConfig, backoff_delay


def test_originate_is_asynchronous_and_rings_the_phone_first() -> None:
    action = amiactions.originate(
        channel="PJSIP/101",
        exten="79161234567",
        context="kompas-outbound",
        caller_id='"Анна Смирнова" <101>',
        variables={"KOMPAS_CLIENT": "17", "KOMPAS_USER": "anna"},
        ring_s=20,
    )

    assert action == {
        "Action": "Originate",
        "Channel": "PJSIP/101",
        "Context": "kompas-outbound",
        "Exten": "79161234567",
        "Priority": "1",
        "Timeout": "20000",
        "Async": "true",
        "CallerID": '"Анна Смирнова" <101>',
        "Variable": "KOMPAS_CLIENT=17,KOMPAS_USER=anna",
    }


def test_redirect_moves_both_parties_when_given_two_channels() -> None:
    action = amiactions.redirect(
        channel="PJSIP/trunk-00000001",
        exten="102",
        context="from-internal",
        extra_channel="PJSIP/101-00000002",
    )

    assert action["ExtraChannel"] == "PJSIP/101-00000002"
    assert (action["ExtraExten"], action["ExtraContext"], action["ExtraPriority"]) == (
        "102",
        "from-internal",
        "1",
    )


def test_transfers_and_hangup_name_only_what_is_given() -> None:
    assert amiactions.blind_transfer(channel="PJSIP/101-1", exten="102") == {
        "Action": "BlindTransfer",
        "Channel": "PJSIP/101-1",
        "Exten": "102",
    }
    consult = amiactions.atxfer(channel="PJSIP/101-1", exten="102", context="from-internal")
    assert consult["Context"] == "from-internal"
    assert amiactions.hangup(channel="PJSIP/101-1", cause=17)["Cause"] == "17"
    assert "Cause" not in amiactions.hangup(channel="PJSIP/101-1")


def test_checked_drops_a_callers_action_id() -> None:
    assert amiactions.checked({"Action": "Ping", "actionid": "mine"}) == {"Action": "Ping"}


@pytest.mark.parametrize(
    ("action", "complaint"),
    [
        ({"Action": "Ping", "X-Note": "one\r\nAction: Hangup"}, "single line"),
        ({"Action": "Ping", "X-Note": "one\nline"}, "single line"),
        ({"Action": "Ping", "Bad Name": "x"}, "header name"),
        ({"Action": "Ping", "": "x"}, "header name"),
        ({"Channel": "PJSIP/101"}, "Action header"),
        ({"Action": ""}, "Action header"),
    ],
)
def test_checked_refuses_what_would_break_the_framing(
    action: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        amiactions.checked(action)


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap() -> None:
    delays = [backoff_delay(failures, 1.0, 60.0) for failures in range(10)]

    assert delays == [0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert backoff_delay(10**6, 1.0, 60.0) == 60.0


def test_config_comes_from_the_settings_and_hides_the_secret() -> None:
    settings = Settings(
        ami_host="pbx.example.org", ami_port=5039, ami_username="crm", ami_secret="s3cret"
    )

    config = AmiConfig.from_settings(settings)

    assert (config.host, config.port, config.username, config.secret) == (
        "pbx.example.org",
        5039,
        "crm",
        "s3cret",
    )
    assert "s3cret" not in repr(config)
