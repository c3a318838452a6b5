"""Call-control actions of the simulated Asterisk: Originate, Hangup, Redirect, transfers, and
the CoreShowChannels listing, with the responses and error messages manager.c sends.

An action that takes a call somewhere new (Redirect, BlindTransfer, Atxfer) takes the call
away from the scenario that was driving it and starts a new scenario from the current state.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from kompas_cc.telephony.simulator_config import TrafficConfig
from kompas_cc.telephony.simulator_dial import is_outside_number
from kompas_cc.telephony.simulator_model import CAUSE_NORMAL, Call, Channel, Event, Party, snapshot
from kompas_cc.telephony.simulator_pbx import Pbx
from kompas_cc.telephony.simulator_scenarios import OriginateRequest, originate
from kompas_cc.telephony.simulator_traffic import Scheduler, arrivals, rtcp_reports, start_call
from kompas_cc.telephony.simulator_transfers import (
    attended_transfer_by_features,
    blind_transfer_tail,
    redirected,
)
from kompas_cc.telephony.simulator_wire import Frame

__all__ = ["CallControl", "parse_callerid", "response"]

TRUE_WORDS = frozenset({"yes", "true", "y", "t", "1", "on"})
DEFAULT_ORIGINATE_TIMEOUT_MS = 30000
_CALLERID = re.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<number>[^>]*)>\s*$')


def response(frame: Frame, status: str, message: str | None = None, **fields: str) -> Event:
    """A response as astman_send_response writes it: Response, ActionID, then the rest."""
    event: Event = {"Response": status}
    action_id = frame.get("ActionID")
    if action_id:
        event["ActionID"] = action_id
    if message is not None:
        event["Message"] = message
    event.update(fields)
    return event


def parse_callerid(text: str) -> Party | None:
    """'"Name" <number>', 'Name <number>' or a bare number, as Originate's CallerID takes it."""
    text = text.strip()
    if not text:
        return None
    match = _CALLERID.match(text)
    if match:
        return match["number"].strip(), match["name"].strip()
    return text, ""


def _duration(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class CallControl:
    """The simulated PBX together with the scheduler driving its calls."""

    def __init__(self, config: TrafficConfig, seed: int, now: float) -> None:
        self.config = config
        self.rng = random.Random(seed)
        self.pbx = Pbx(
            self.rng,
            now,
            language=config.language,
            operators=config.operator_names(),
            queues=config.queues,
        )
        self.scheduler = Scheduler(self.pbx)

    def start_traffic(self, until: float | None = None) -> None:
        self.scheduler.spawn(arrivals(self.scheduler, self.config, self.rng, until))
        interval = self.config.timings.rtcp_interval_s
        if interval is not None:
            self.scheduler.spawn(rtcp_reports(self.pbx, interval))

    def start_call(self, kind: str) -> Call:
        return start_call(self.scheduler, self.config, self.rng, kind)

    def _exten_exists(self, exten: str) -> bool:
        return self.config.operator(exten) is not None or is_outside_number(exten)

    def _take_over(self, channel: Channel) -> Call:
        """Stop the scenario driving the channel's call; its live legs now belong to a new call."""
        old = channel.call
        call = Call(channels=[leg for leg in old.channels if leg.alive], queue_link=old.queue_link)
        for leg in call.channels:
            leg.call = call
        old.cancelled, old.channels, old.queue_link = True, [], None
        return call

    # -- actions ----------------------------------------------------------------------

    def originate(self, frame: Frame, reply: Callable[[Event], None]) -> Event | None:
        """Answer an Originate now, or (synchronous Originate) later through `reply`."""
        channel = frame.get("Channel")
        exten, context = frame.get("Exten"), frame.get("Context")
        priority_text, application = frame.get("Priority"), frame.get("Application")
        if not channel:
            return response(frame, "Error", "Channel not specified")
        priority = 1
        if priority_text:
            if not priority_text.isdigit():
                return response(frame, "Error", "Invalid priority")
            priority = int(priority_text)
        timeout_text = frame.get("Timeout") or str(DEFAULT_ORIGINATE_TIMEOUT_MS)
        if not timeout_text.isdigit():
            return response(frame, "Error", "Invalid timeout")
        if "/" not in channel:
            return response(frame, "Error", "Invalid channel")
        if not application:
            if not (exten and context and priority_text):
                message = "Originate with 'Exten' requires 'Context' and 'Priority'"
                return response(frame, "Error", message)
            if not self._exten_exists(exten):
                return response(frame, "Error", "Extension does not exist.")
        request = OriginateRequest(
            action_id=frame.get("ActionID"),
            channel=channel,
            context=context,
            exten=exten,
            priority=priority,
            caller=parse_callerid(frame.get("CallerID")),
            timeout_s=int(timeout_text) / 1000,
            application=application,
            data=frame.get("Data"),
            asynchronous=frame.get("Async").lower() in TRUE_WORDS,
        )

        def on_result(success: bool) -> None:
            if not request.asynchronous:
                if success:
                    reply(response(frame, "Success", "Originate successfully queued"))
                else:
                    reply(response(frame, "Error", "Originate failed"))

        call = Call()
        scenario = originate(self.pbx, call, self.config, self.rng, request, on_result)
        self.scheduler.spawn(scenario, call)
        if request.asynchronous:
            return response(frame, "Success", "Originate successfully queued")
        return None

    def hangup(self, frame: Frame) -> Event:
        name = frame.get("Channel")
        if not name:
            return response(frame, "Error", "No channel specified")
        channel = self.pbx.find(name)
        if channel is None:
            return response(frame, "Error", "No such channel")
        cause_text = frame.get("Cause")
        cause = int(cause_text) if cause_text.isdigit() and int(cause_text) <= 127 else 0
        self.pbx.tear_down(channel.call, channel, cause or CAUSE_NORMAL)
        return response(frame, "Success", "Channel Hungup")

    def redirect(self, frame: Frame) -> Event:
        name, context = frame.get("Channel"), frame.get("Context")
        exten, priority = frame.get("Exten"), frame.get("Priority")
        for value, message in (
            (name, "Channel not specified"),
            (context, "Context not specified"),
            (exten, "Exten not specified"),
            (priority, "Priority not specified"),
        ):
            if not value:
                return response(frame, "Error", message)
        if not priority.isdigit() or int(priority) < 1:
            return response(frame, "Error", "Priority is invalid")
        channel = self.pbx.find(name)
        if channel is None:
            return response(frame, "Error", f"Channel does not exist: {name}")
        targets = [(channel, context, exten, int(priority))]
        extra_name = frame.get("ExtraChannel")
        if extra_name:
            extra = self.pbx.find(extra_name)
            if extra is None:
                return response(frame, "Error", f"ExtraChannel does not exist: {extra_name}")
            extra_priority = frame.get("ExtraPriority") or priority
            targets.append(
                (
                    extra,
                    frame.get("ExtraContext") or context,
                    frame.get("ExtraExten") or exten,
                    int(extra_priority) if extra_priority.isdigit() else 1,
                )
            )
        self._redirect(targets)
        return response(
            frame, "Success", "Dual Redirect successful" if extra_name else "Redirect successful"
        )

    def _redirect(self, targets: list[tuple[Channel, str, str, int]]) -> None:
        moving = [target[0] for target in targets]
        call = self._take_over(moving[0])
        for channel in moving[1:]:
            if channel.call is not call:
                call.channels.extend(self._take_over(channel).channels)
        self.pbx.queues.agent_complete(call, "transfer")
        bridges = [channel.bridge for channel in moving if channel.bridge is not None]
        for channel in moving:
            self.pbx.queues.leave(channel)
            if channel.bridge is not None:
                self.pbx.bridge_leave(channel.bridge, channel)
        for leg in list(call.channels):
            if leg.alive and leg not in moving:
                if leg.bridge is not None:
                    bridges.append(leg.bridge)
                    self.pbx.hangup_request(leg, CAUSE_NORMAL, soft=True)
                    self.pbx.bridge_leave(leg.bridge, leg)
                self.pbx.hangup(leg, CAUSE_NORMAL)
        for bridge in bridges:
            self.pbx.bridge_destroy(bridge)
        for channel, context, exten, priority in targets:
            own = Call(channels=[channel])
            channel.call = own
            scenario = redirected(
                self.pbx, own, self.config, self.rng, channel, context, exten, priority
            )
            self.scheduler.spawn(scenario, own)

    def blind_transfer(self, frame: Frame) -> Event:
        name, exten = frame.get("Channel"), frame.get("Exten")
        if not name:
            return response(frame, "Error", "No channel specified")
        if not exten:
            return response(frame, "Error", "No extension specified")
        channel = self.pbx.find(name)
        if channel is None:
            return response(frame, "Error", "Channel specified does not exist")
        bridge = channel.bridge
        partner = next((c for c in bridge.channels if c is not channel), None) if bridge else None
        if bridge is None or partner is None or not self._exten_exists(exten):
            return response(frame, "Error", "Transfer invalid")
        call = self._take_over(channel)
        scenario = blind_transfer_tail(
            self.pbx, call, self.config, self.rng, channel, partner, bridge, exten, external=False
        )
        self.scheduler.spawn(scenario, call)
        return response(frame, "Success", "Transfer succeeded")

    def atxfer(self, frame: Frame) -> Event:
        name, exten = frame.get("Channel"), frame.get("Exten")
        if not name:
            return response(frame, "Error", "No channel specified")
        if not exten:
            return response(frame, "Error", "No extension specified")
        channel = self.pbx.find(name)
        if channel is None:
            return response(frame, "Error", "Channel specified does not exist")
        if channel.bridge is not None:
            call = self._take_over(channel)
            scenario = attended_transfer_by_features(
                self.pbx, call, self.config, self.rng, channel, exten
            )
            self.scheduler.spawn(scenario, call)
        return response(frame, "Success", "Atxfer successfully queued")

    def core_show_channels(self, frame: Frame) -> list[Event]:
        listing = [response(frame, "Success", "Channels will follow", EventList="start")]
        action_id = {"ActionID": frame.get("ActionID")} if frame.get("ActionID") else {}
        for channel in self.pbx.channels.values():
            listing.append(
                {"Event": "CoreShowChannel"}
                | action_id
                | snapshot(channel)
                | {
                    "Application": channel.application,
                    "ApplicationData": channel.app_data,
                    "Duration": _duration(self.pbx.now - channel.created_at),
                    "BridgeId": channel.bridge.uniqueid if channel.bridge else "",
                }
            )
        listing.append(
            {"Event": "CoreShowChannelsComplete"}
            | action_id
            | {"EventList": "Complete", "ListItems": str(len(listing) - 1)}
        )
        return listing
