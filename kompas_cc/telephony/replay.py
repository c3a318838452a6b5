"""Drive a call tracker with recorded frames, outages included, as the AMI adapter would live.

On a DISCONNECT marker the tracker hears `connection_lost`; after RECONNECT, the
CoreShowChannel frames are collected up to CoreShowChannelsComplete and handed to
`resync`. Everything else goes through `translate` and `feed`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from kompas_cc.telephony.amievents import (
    CoreShowChannel,
    CoreShowChannelsComplete,
    event_time,
    translate,
)
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.calls import CallTracker
from kompas_cc.telephony.transcripts import DISCONNECT, RECONNECT, marker_of

__all__ = ["replay"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def replay(
    frames: Iterable[Mapping[str, str]], tracker: CallTracker, *, start: datetime = _EPOCH
) -> list[CallRecord]:
    """Feed `frames` to `tracker`; the records of every call that ended, in order.

    A frame without a Timestamp counts as happening at the time of the frame before it
    (`start` for the first one).
    """
    records: list[CallRecord] = []
    last_at = start
    listing: list[CoreShowChannel] | None = None
    reconnected_at: datetime | None = None
    for frame in frames:
        marker = marker_of(frame)
        if marker == DISCONNECT:
            last_at = event_time(frame, last_at)
            tracker.connection_lost(last_at)
            continue
        if marker == RECONNECT:
            listing = []
            reconnected_at = event_time(frame, last_at) if "Timestamp" in frame else None
            last_at = reconnected_at or last_at
            continue
        event = translate(frame, last_at)
        if event is None:
            continue
        last_at = event.at
        if listing is not None and isinstance(event, CoreShowChannel):
            listing.append(event)
        elif listing is not None and isinstance(event, CoreShowChannelsComplete):
            records += tracker.resync(listing, reconnected_at or event.at)
            listing = None
        else:
            records += tracker.feed(event)
    return records
