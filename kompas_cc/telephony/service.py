"""Use cases of the call log: store a finished call once, read the log, feed the timeline.

The call tracker (calls.py) says what happened on the PBX; this module adds what KOMPAS
knows: which user the extension belongs to (through the staff service) and which client
the outside number belongs to (through the clients service).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement

from kompas_cc.clients import service as clients_service
from kompas_cc.clients.access import ClientsPolicy, visibility_scope
from kompas_cc.clients.timeline import TimelineEntry, TimelineWindow
from kompas_cc.core.actor import Actor, Role
from kompas_cc.core.errors import NotFound
from kompas_cc.core.phone import try_normalize_phone
from kompas_cc.db.uow import UnitOfWork
from kompas_cc.staff import service as staff_service
from kompas_cc.telephony import repo
from kompas_cc.telephony.callrecord import CallRecord
from kompas_cc.telephony.display import format_duration, format_party
from kompas_cc.telephony.events import CallEnded, CallMissed
from kompas_cc.telephony.models import (
    EXTENSION_LENGTH,
    LINKEDID_LENGTH,
    PARTY_LENGTH,
    Call,
)
from kompas_cc.telephony.schemas import (
    MISSED,
    CallListQuery,
    CallOut,
    CallPage,
    Direction,
    Disposition,
    LegOut,
    TransferKind,
    TransferOut,
)

#: At most this many calls go into one export file.
EXPORT_MAX_ROWS = 100_000

#: What a call on the client's timeline is called, by direction and disposition.
CALL_TITLE_LABELS: dict[tuple[str, str], str] = {
    ("inbound", "answered"): "Inbound call, answered",
    ("inbound", "no_answer"): "Inbound call, not answered",
    ("inbound", "busy"): "Inbound call, busy",
    ("inbound", "abandoned"): "Inbound call, abandoned in the queue",
    ("inbound", "failed"): "Inbound call, failed",
    ("outbound", "answered"): "Outbound call, answered",
    ("outbound", "no_answer"): "Outbound call, not answered",
    ("outbound", "busy"): "Outbound call, busy",
    ("outbound", "abandoned"): "Outbound call, abandoned",
    ("outbound", "failed"): "Outbound call, failed",
}
#: The title of a call the table above does not name (an internal one).
MSG_CALL = "Call"


class NoSuchCall(NotFound):
    error_id = "no-such-call"


@dataclass(frozen=True, slots=True)
class CallNames:
    """Names the log shows beside ids: the clients this user may see, and operators."""

    clients: dict[int, str]
    operators: dict[int, str]


# -- recording ---------------------------------------------------------------------------


def _text(value: str | None, limit: int) -> str | None:
    """A value from the wire, fit for a column: NUL characters dropped, cut to `limit`."""
    if value is None:
        return None
    cleaned = value.replace("\x00", "").strip()[:limit]
    return cleaned or None


def _party(raw: str | None, region: str) -> str | None:
    """E.164 when the party is a phone number in any form, else as Asterisk named it."""
    text = _text(raw, PARTY_LENGTH)
    if text is None:
        return None
    return try_normalize_phone(text, region) or text


def _outside_number(direction: str, caller: str | None, callee: str | None) -> str | None:
    party = {"inbound": caller, "outbound": callee}.get(direction)
    return party if party and party.startswith("+") else None


def _operator_extension(record: CallRecord) -> str | None:
    """The extension that answered, or for an outbound call the one that dialled."""
    if record.answered_by:
        return record.answered_by
    if record.direction == "outbound":
        return record.caller
    return None


async def record_call(
    uow: UnitOfWork, record: CallRecord, now: datetime, *, region: str = "RU"
) -> int | None:
    """Store a finished call once: its id, or None when the linkedid is in the log already.

    The AMI layer may hand the same record again after a reconnect; the second time
    stores nothing and emits nothing. `region` is the country of numbers that arrive
    without a country code.
    """
    return (await record_calls(uow, [record], now, region=region))[0]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A call record's values as the log stores them."""

    record: CallRecord
    linkedid: str
    caller: str | None
    callee: str | None
    queue: str | None
    outside: str | None
    extension: str | None


def _prepare(record: CallRecord, region: str) -> _Prepared:
    caller = _party(record.caller, region)
    callee = _party(record.callee, region)
    return _Prepared(
        record=record,
        linkedid=_text(record.linkedid, LINKEDID_LENGTH) or record.linkedid,
        caller=caller,
        callee=callee,
        queue=_text(record.queue, PARTY_LENGTH),
        outside=_outside_number(record.direction, caller, callee),
        extension=_operator_extension(record),
    )


async def record_calls(
    uow: UnitOfWork, records: Sequence[CallRecord], now: datetime, *, region: str = "RU"
) -> list[int | None]:
    """`record_call` for many calls in a few statements (the AMI ingest writes in batches):
    the new ids in the order of `records`, None where the call was stored already."""
    calls = [_prepare(record, region) for record in records]
    numbers = sorted({c.outside for c in calls if c.outside})
    clients = await clients_service.clients_for_numbers(uow, numbers) if numbers else {}
    operators = (
        await staff_service.users_by_extension(uow) if any(c.extension for c in calls) else {}
    )
    ids = await repo.insert_calls(
        uow.session,
        [_call_row(c, clients, operators, region, now) for c in calls],
    )
    legs: list[dict[str, object]] = []
    transfers: list[dict[str, object]] = []
    stored: list[int | None] = []
    for call in calls:
        call_id = ids.pop(call.linkedid, None)  # a linkedid twice in the batch: stored once
        stored.append(call_id)
        if call_id is None:
            continue
        legs += _leg_rows(call_id, call.record, region)
        transfers += _transfer_rows(call_id, call.record, region)
        _announce(uow, call_id, call, clients, operators)
    await repo.add_legs(uow.session, legs)
    await repo.add_transfers(uow.session, transfers)
    return stored


def _call_row(
    call: _Prepared,
    clients: dict[str, int],
    operators: dict[str, int],
    region: str,
    now: datetime,
) -> dict[str, object]:
    record = call.record
    return {
        "linkedid": call.linkedid,
        "direction": record.direction,
        "caller": call.caller,
        "callee": call.callee,
        "queue": call.queue,
        "answered_by": _text(record.answered_by, EXTENSION_LENGTH),
        "operator_id": operators.get(call.extension) if call.extension else None,
        "client_id": clients.get(call.outside) if call.outside else None,
        "started_at": record.started_at,
        "answered_at": record.answered_at,
        "ended_at": record.ended_at,
        "ring_seconds": record.ring_seconds,
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "hold_seconds": record.hold_seconds,
        "disposition": record.disposition,
        "voicemail": record.voicemail,
        "hangup_by": _party(record.hangup_by, region),
        "trunk": _text(record.trunk, PARTY_LENGTH),
        "incomplete": record.incomplete,
        "recorded_at": now,
    }


def _leg_rows(call_id: int, record: CallRecord, region: str) -> list[dict[str, object]]:
    return [
        {
            "call_id": call_id,
            "position": n,
            "party_a": _party(leg.party_a, region),
            "party_b": _party(leg.party_b, region),
            "started_at": leg.started_at,
            "ended_at": leg.ended_at,
        }
        for n, leg in enumerate(record.legs)
    ]


def _transfer_rows(call_id: int, record: CallRecord, region: str) -> list[dict[str, object]]:
    return [
        {
            "call_id": call_id,
            "position": n,
            "kind": transfer.kind,
            "from_party": _party(transfer.from_party, region),
            "to_party": _party(transfer.to_party, region),
            "at": transfer.at,
        }
        for n, transfer in enumerate(record.transfers)
    ]


def _announce(
    uow: UnitOfWork,
    call_id: int,
    call: _Prepared,
    clients: dict[str, int],
    operators: dict[str, int],
) -> None:
    record = call.record
    client_id = clients.get(call.outside) if call.outside else None
    uow.emit(
        CallEnded(
            call_id=call_id,
            linkedid=call.linkedid,
            direction=record.direction,
            disposition=record.disposition,
            caller=call.caller,
            callee=call.callee,
            client_id=client_id,
            operator_id=operators.get(call.extension) if call.extension else None,
            queue=call.queue,
            started_at=record.started_at,
            ended_at=record.ended_at,
            talk_seconds=record.talk_seconds,
        )
    )
    if record.direction == "inbound" and record.disposition in MISSED:
        uow.emit(
            CallMissed(
                call_id=call_id,
                linkedid=call.linkedid,
                disposition=record.disposition,
                caller=call.caller,
                callee=call.callee,
                client_id=client_id,
                queue=call.queue,
                started_at=record.started_at,
                voicemail=record.voicemail,
            )
        )


async def move_client_calls(uow: UnitOfWork, from_client_id: int, to_client_id: int) -> None:
    """Calls of a client merged into another now belong to the one kept."""
    await repo.move_client_calls(uow.session, from_client_id, to_client_id)


# -- reading -----------------------------------------------------------------------------


def visible_calls(actor: Actor, policy: ClientsPolicy) -> ColumnElement[bool]:
    """Who sees which calls: the one rule of the call log.

    Admins and managers see every call. Operators see the calls they answered or dialled,
    and the calls of every client they may see (the clients module's rule). Dealers see none.
    """
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return repo.everybody()
    if actor.role is not Role.OPERATOR:
        return repo.nobody()
    scope = visibility_scope(actor, policy)
    return repo.operator_or_clients(
        actor.id,
        any_client=scope.kind == "all",
        manager_id=scope.user_id if scope.kind == "own" else None,
    )


def _filter(query: CallListQuery) -> repo.CallFilter:
    return repo.CallFilter(
        since=query.since,
        until=query.until,
        direction=query.direction,
        disposition=query.disposition,
        extension=query.extension,
        client_id=query.client_id,
    )


def call_out(call: Call) -> CallOut:
    return CallOut(
        id=call.id,
        linkedid=call.linkedid,
        direction=cast(Direction, call.direction),
        caller=call.caller,
        callee=call.callee,
        queue=call.queue,
        answered_by=call.answered_by,
        operator_id=call.operator_id,
        started_at=call.started_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        ring_seconds=call.ring_seconds,
        wait_seconds=call.wait_seconds,
        talk_seconds=call.talk_seconds,
        hold_seconds=call.hold_seconds,
        disposition=cast(Disposition, call.disposition),
        voicemail=call.voicemail,
        hangup_by=call.hangup_by,
        transfers=[
            TransferOut(kind=cast(TransferKind, t.kind), from_=t.from_party, to=t.to_party, at=t.at)
            for t in call.transfers
        ],
        legs=[
            LegOut(
                party_a=leg.party_a,
                party_b=leg.party_b,
                started_at=leg.started_at,
                ended_at=leg.ended_at,
            )
            for leg in call.legs
        ],
        client_id=call.client_id,
        incomplete=call.incomplete,
    )


async def _page(
    uow: UnitOfWork, where: Sequence[ColumnElement[bool]], page: int, per_page: int
) -> CallPage:
    total = await repo.count_calls(uow.session, where)
    offset = (page - 1) * per_page
    rows = await repo.list_calls(uow.session, where, offset, per_page)
    return CallPage(
        items=[call_out(c) for c in rows],
        page=page,
        per_page=per_page,
        total=total,
        has_more=offset + len(rows) < total,
    )


async def list_calls(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, query: CallListQuery
) -> CallPage:
    """One page of the calls this user may see, newest first."""
    where = [visible_calls(actor, policy), *repo.matching(_filter(query))]
    return await _page(uow, where, query.page, query.per_page)


async def export_calls(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, query: CallListQuery
) -> CallPage:
    """Every call the filters match (up to EXPORT_MAX_ROWS), whatever page was asked."""
    where = [visible_calls(actor, policy), *repo.matching(_filter(query))]
    return await _page(uow, where, 1, EXPORT_MAX_ROWS)


async def get_call(uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, call_id: int) -> CallOut:
    call = await repo.get_call(uow.session, call_id, [visible_calls(actor, policy)])
    if call is None:
        raise NoSuchCall("No such call")
    return call_out(call)


async def call_names(
    uow: UnitOfWork, actor: Actor, policy: ClientsPolicy, calls: Sequence[CallOut]
) -> CallNames:
    """The names to show beside these calls; a client the user may not see stays nameless."""
    scope = visibility_scope(actor, policy)
    found = await repo.client_names(uow.session, [c.client_id for c in calls])
    clients = {
        cid: name
        for cid, (name, manager_id) in found.items()
        if scope.kind == "all" or (scope.kind == "own" and manager_id == scope.user_id)
    }
    operators = await repo.user_names(uow.session, [c.operator_id for c in calls])
    return CallNames(clients=clients, operators=operators)


# -- the client timeline -----------------------------------------------------------------


def _timeline_body(call: Call) -> str:
    parties = f"{format_party(call.caller) or '?'} → {format_party(call.callee) or '?'}"
    return f"{parties} · {format_duration(call.talk_seconds)}"


async def timeline_source(uow: UnitOfWork, window: TimelineWindow) -> list[TimelineEntry]:
    """The calls of a client on its timeline: direction and disposition as the title, the
    operator as the author, the parties and the talk time as the text."""
    calls = await repo.list_client_calls(
        uow.session, window.client_id, window.since, window.until, window.limit
    )
    names = await repo.user_names(uow.session, [c.operator_id for c in calls])
    return [
        TimelineEntry(
            at=call.started_at,
            kind="call",
            title=CALL_TITLE_LABELS.get((call.direction, call.disposition), MSG_CALL),
            body=_timeline_body(call),
            author=names.get(call.operator_id) if call.operator_id else call.answered_by,
            link=f"/calls/{call.id}",
        )
        for call in calls
    ]
