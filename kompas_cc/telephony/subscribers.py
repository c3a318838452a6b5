"""Reactions of the call log to other domains' events, and of other domains' work to calls."""

from __future__ import annotations

from kompas_cc.clients.events import ClientsMerged
from kompas_cc.core.bus import Bus
from kompas_cc.core.clock import Clock
from kompas_cc.db.uow import UowFactory
from kompas_cc.organizer.events import TaskStatusChanged
from kompas_cc.organizer.schemas import CLOSED_STATUSES
from kompas_cc.telephony import call_tasks, service
from kompas_cc.telephony.call_task_rules import CallTaskRules
from kompas_cc.telephony.events import CallEnded, CallMissed


def register(bus: Bus, uows: UowFactory) -> None:
    async def on_clients_merged(event: ClientsMerged) -> None:
        """The merged client's calls move to the kept one, as its notes and files do."""
        async with uows() as uow:
            await service.move_client_calls(uow, event.merged_id, event.kept_id)

    bus.subscribe(ClientsMerged, on_clients_merged)


def register_call_tasks(bus: Bus, uows: UowFactory, rules: CallTaskRules, clock: Clock) -> None:
    """Leads, callback tasks and their closing, from finished calls (telephony.call_tasks).

    Every call ends here, so a call that concerns none of them costs no transaction.
    CallEnded is handled before CallMissed of the same call (the bus keeps their order), so
    a missed call from an unknown number already has its lead when its callback opens.
    """

    async def on_call_ended(event: CallEnded) -> None:
        if call_tasks.wants_lead(event, rules):
            async with uows() as uow:
                await call_tasks.take_unknown_caller(uow, event, rules, clock.now())
        number = call_tasks.may_call_back(event)
        if number is None:
            return
        async with uows(write=False) as uow:
            waiting = await call_tasks.has_open_callback(uow, number)
        if waiting:
            async with uows() as uow:
                await call_tasks.close_by_callback(uow, event, rules, clock.now())

    async def on_call_missed(event: CallMissed) -> None:
        async with uows() as uow:
            await call_tasks.note_missed_call(uow, event, rules, clock.now())

    async def on_task_status_changed(event: TaskStatusChanged) -> None:
        if event.new in CLOSED_STATUSES:
            async with uows() as uow:
                await call_tasks.forget_task(uow, event.task_id, clock.now())

    bus.subscribe(CallEnded, on_call_ended)
    bus.subscribe(CallMissed, on_call_missed)
    bus.subscribe(TaskStatusChanged, on_task_status_changed)
