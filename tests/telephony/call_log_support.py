"""What the call log tests share: records replayed from recorded AMI sessions, and clients.

The records are what the call tracker really produces for the transcripts of
tests/fixtures/ami (Asterisk 20 events), so the log is tested with calls as they come.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.replay import replay
from kompas_cc.telephony.transcripts import load_transcript

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ami"
TRUNKS = ("PJSIP/trunk-*",)

#: The caller of most transcripts, as Asterisk gives it (no "+").
CALLER = "79161234567"
#: The caller of the second overlapping call: a contact person of Vector.
CALLER2 = "79035550101"

#: Romashka's number typed the way an office types it: the same as CALLER.
ROMASHKA = {"kind": "legal", "name": "ООО «Ромашка»", "phones": [{"number": "8 (916) 123-45-67"}]}
VECTOR = {"kind": "legal", "name": "АО «Вектор»", "phones": [{"number": "+7 495 765-43-21"}]}
VECTOR_CONTACT = {"name": "Сергей Орлов", "phones": [{"number": "+7 (903) 555-01-01"}]}


def records(name: str) -> list[CallRecord]:
    """The records the call tracker gives for transcript `name`, in the order calls ended."""
    frames = load_transcript(FIXTURES / f"{name}.ami")
    return replay(frames, CallTracker(trunk_patterns=TRUNKS))


def record(name: str) -> CallRecord:
    (only,) = records(name)
    return only


def days_later(call: CallRecord, days: int, linkedid: str) -> CallRecord:
    """The same call `days` later under another linkedid (another call of the same kind)."""
    shift = timedelta(days=days)
    return replace(
        call,
        linkedid=linkedid,
        started_at=call.started_at + shift,
        answered_at=call.answered_at + shift if call.answered_at else None,
        ended_at=call.ended_at + shift,
    )
