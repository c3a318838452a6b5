"""Channel names: trunks, extensions, Local halves and dialled numbers."""

from __future__ import annotations

import pytest

from kompas_cc.telephony.parties import (
    ChannelClassifier,
    Party,
    device_of,
    dialled_number,
    extension_from_channel,
    local_partner_name,
)


@pytest.mark.parametrize(
    ("name", "extension"),
    [
        ("PJSIP/101-0000001a", "101"),
        ("SIP/101-0a1b2c3d", "101"),
        ("PJSIP/anna-phone-00000002", "anna-phone"),
        ("PJSIP/101", "101"),
        ("Local/101@from-internal-00000001;1", None),
        ("Snoop/1736931600.101-00000001", None),
        ("Announcer/ARI_MOH-00000001", None),
        ("no-technology", None),
    ],
)
def test_extension_from_channel_takes_the_resource_before_the_last_dash(
    name: str, extension: str | None
) -> None:
    assert extension_from_channel(name) == extension


def test_device_of_drops_the_sequence_tail() -> None:
    assert device_of("PJSIP/trunk-mts-0000000a") == "PJSIP/trunk-mts"
    assert device_of("PJSIP/101") == "PJSIP/101"


def test_local_partner_name_pairs_the_halves() -> None:
    assert local_partner_name("Local/101@ring-00000001;1") == "Local/101@ring-00000001;2"
    assert local_partner_name("Local/101@ring-00000001;2") == "Local/101@ring-00000001;1"
    assert local_partner_name("PJSIP/101-00000001") is None


@pytest.mark.parametrize(
    ("dial_string", "number"),
    [
        ("89161234567@trunk", "89161234567"),
        ("trunk/sip:+79161234567@198.51.100.7:5060", "+79161234567"),
        ("provider/89161234567", "89161234567"),
        ("PJSIP/101", "101"),
        ("trunk", None),
        ("", None),
        (None, None),
    ],
)
def test_dialled_number_reads_the_number_of_a_dial_resource(
    dial_string: str | None, number: str | None
) -> None:
    assert dialled_number(dial_string) == number


def test_classifier_knows_trunks_by_pattern_and_ignores_plumbing() -> None:
    classifier = ChannelClassifier(["PJSIP/trunk-*", "SIP/provider-*"])

    assert classifier.classify("PJSIP/trunk-00000007") == Party("trunk", trunk="PJSIP/trunk")
    assert classifier.classify("sip/provider-0000a1b2") == Party("trunk", trunk="sip/provider")
    assert classifier.classify("PJSIP/101-00000008") == Party("extension", extension="101")
    assert classifier.classify("Local/101@ring-00000001;2") == Party("local")
    assert classifier.classify("Recorder/rec-00000001") == Party("other")


def test_classifier_takes_extensions_from_a_function_or_a_mapping() -> None:
    by_function = ChannelClassifier(extension_of=lambda name: "7" if "desk" in name else None)
    by_mapping = ChannelClassifier(extension_of={"PJSIP/anna-phone": "101"})

    assert by_function.classify("PJSIP/desk-01") == Party("extension", extension="7")
    assert by_function.classify("PJSIP/101-01") == Party("extension")
    assert by_function.classify("Local/101@ring-01;1") == Party("local")
    assert by_mapping.classify("PJSIP/anna-phone-0000000c") == Party("extension", extension="101")
    assert by_mapping.classify("PJSIP/boris-phone-0000000d") == Party("extension")
    assert by_mapping.classify("Snoop/1736931600.101-0000000e") == Party("other")
