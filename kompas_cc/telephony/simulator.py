"""An AMI server playing Asterisk's side over TCP, for `kompas demo` and for tests.

It greets like Asterisk 20 (`Asterisk Call Manager/9.0.0`, one line, no blank line after it;
Asterisk 18 says 7.0.x, 16 says 5.0.x), answers Login, Logoff, Challenge, Ping, Events,
CoreShowChannels, Originate, Hangup, Redirect, BlindTransfer and Atxfer with the responses
manager.c sends, and streams the events of simulated calls to logged-in clients, each with a
Timestamp as with timestampevents=yes. Unknown actions get "Invalid/unknown command"; a
failed Login gets "Authentication failed" and the connection is closed, as Asterisk does.

Simulated time starts at the injected clock's "now" and runs `speed` times faster than it.
With autorun=False it moves only when a test calls `advance()`, which makes every run exact.
Every received action is kept in `requests` until `reset()`. `replay()` sends recorded frames
instead, and can drop the connection where a transcript marks a disconnect.

Garbage never brings the server down: unparsable lines are dropped, a client vanishing in
the middle of a frame just ends its session, and a client that stops reading is cut off
before its unread events pile up without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Self

from kompas_cc.core.clock import Clock, SystemClock
from kompas_cc.telephony.simulator_config import TrafficConfig
from kompas_cc.telephony.simulator_control import CallControl, response
from kompas_cc.telephony.simulator_model import Call, Event, snapshot
from kompas_cc.telephony.simulator_wire import Frame, FrameReader, encode_frame

__all__ = ["AMI_VERSION", "MARKER_KEY", "AmiSimulator", "ReceivedAction"]

logger = logging.getLogger(__name__)

#: The AMI version Asterisk 20 announces in its banner.
AMI_VERSION = "9.0.0"
#: Transcripts mark a dropped connection with the frame {";;": "DISCONNECT"}.
MARKER_KEY = ";;"
READ_CHUNK_BYTES = 65536
#: A client with this much unread output is disconnected, like Asterisk's writetimeout.
MAX_UNSENT_BYTES = 4 * 1024 * 1024
FALSE_WORDS = frozenset({"off", "no", "false", "n", "f", "0"})


@dataclass(frozen=True, slots=True)
class ReceivedAction:
    """One message a client sent, in arrival order, garbage included."""

    session: int
    headers: tuple[tuple[str, str], ...]

    def get(self, key: str, default: str = "") -> str:
        wanted = key.lower()
        return next((value for name, value in self.headers if name.lower() == wanted), default)

    @property
    def name(self) -> str:
        return self.get("Action")


class _Session:
    def __init__(self, number: int, writer: asyncio.StreamWriter) -> None:
        self.number = number
        self.writer = writer
        self.authenticated = False
        self.events = True
        self.challenge = ""

    @property
    def open(self) -> bool:
        return not self.writer.is_closing()

    def write(self, data: bytes) -> None:
        if not self.open:
            return
        if self.writer.transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            logger.warning("AMI simulator: client %d stopped reading; dropping it", self.number)
            self.writer.transport.abort()
            return
        self.writer.write(data)

    def send(self, event: Mapping[str, str]) -> None:
        self.write(encode_frame(event))

    def close(self) -> None:
        if self.open:
            self.writer.close()


#: Builds the call control of a simulator: (traffic config, seed, simulated now) -> control.
ControlFactory = Callable[[TrafficConfig, int, float], CallControl]


class AmiSimulator:
    def __init__(
        self,
        *,
        username: str = "kompas",
        secret: str = "kompas",
        host: str = "127.0.0.1",
        port: int = 0,
        config: TrafficConfig | None = None,
        seed: int = 0,
        clock: Clock | None = None,
        speed: float = 1.0,
        autorun: bool = True,
        traffic: bool = False,
        ami_version: str = AMI_VERSION,
        control: ControlFactory | None = None,
    ) -> None:
        """`control` builds the call control (default: CallControl) from the traffic config,
        the seed and the simulated time: a site with calls of its own (the demo's callers)
        plugs in here."""
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.username, self._secret = username, secret
        self.host, self._port = host, port
        self.config = config or TrafficConfig()
        self.seed = seed
        self.speed = speed
        self.autorun = autorun
        self.ami_version = ami_version
        self.requests: list[ReceivedAction] = []
        self._clock = clock or SystemClock()
        self._origin_real = self._clock.now()
        self._origin_sim = self._origin_real.timestamp()
        self._manual_now = self._origin_sim
        self._traffic = traffic
        self._control_factory: ControlFactory = control or CallControl
        self.control = self._new_control()
        self._sessions: set[_Session] = set()
        self._session_numbers = itertools.count(1)
        self._handlers_running: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()
        # Call-control handlers look self.control up on every call: reset() replaces it.
        self._handlers: dict[str, Callable[[_Session, Frame], None]] = {
            "login": self._login,
            "logoff": self._logoff,
            "challenge": self._challenge,
            "ping": self._ping,
            "events": self._events,
            "coreshowchannels": self._core_show_channels,
            "originate": self._originate,
            "hangup": self._reply_with(lambda frame: self.control.hangup(frame)),
            "redirect": self._reply_with(lambda frame: self.control.redirect(frame)),
            "blindtransfer": self._reply_with(lambda frame: self.control.blind_transfer(frame)),
            "atxfer": self._reply_with(lambda frame: self.control.atxfer(frame)),
        }

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]
        if self.autorun:
            self._origin_real = self._clock.now()
            self._pump_task = asyncio.create_task(self._pump(), name="ami-simulator-pump")
        logger.info("AMI simulator listening on %s:%d", self.host, self._port)

    async def stop(self) -> None:
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
            self._pump_task = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        self.drop_clients()
        if self._handlers_running:
            await asyncio.gather(*self._handlers_running, return_exceptions=True)
        self.control.scheduler.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The bound port (the real one after start(), also when 0 was asked for)."""
        return self._port

    @property
    def now(self) -> float:
        """Simulated time, epoch seconds."""
        if not self.autorun:
            return self._manual_now
        elapsed = (self._clock.now() - self._origin_real).total_seconds()
        return self._origin_sim + elapsed * self.speed

    @property
    def logged_in(self) -> int:
        return sum(1 for session in self._sessions if session.authenticated and session.open)

    def _new_control(self) -> CallControl:
        control = self._control_factory(self.config, self.seed, self.now)
        if self._traffic:
            control.start_traffic()
        return control

    # -- driving simulated time -------------------------------------------------------

    def _wake(self) -> None:
        self._wakeup.set()

    def _run_due(self) -> None:
        self.control.scheduler.run_until(self.now)
        self._flush()

    def _flush(self) -> None:
        events = self.control.pbx.take_events()
        if not events:
            return
        data = b"".join(encode_frame(event) for event in events)
        for session in self._listeners():
            session.write(data)

    def _listeners(self) -> list[_Session]:
        return [s for s in self._sessions if s.authenticated and s.events and s.open]

    async def _pump(self) -> None:
        while True:
            self._run_due()
            next_at = self.control.scheduler.next_at
            timeout = None if next_at is None else max(0.0, (next_at - self.now) / self.speed)
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def advance(self, seconds: float) -> None:
        """Move simulated time forward (autorun=False only) and deliver what happened."""
        if self.autorun:
            raise RuntimeError("advance() is for a simulator created with autorun=False")
        if seconds < 0:
            raise ValueError(f"time only moves forward, got {seconds}")
        self._manual_now += seconds
        self._run_due()
        await asyncio.sleep(0)

    def start_call(self, kind: str) -> Call:
        """Start one simulated call now: inbound_extension, inbound_queue or outbound."""
        call = self.control.start_call(kind)
        self._wake()
        return call

    def start_traffic(self) -> None:
        """Let calls arrive continuously at config.calls_per_minute (also after reset())."""
        if not self._traffic:
            self._traffic = True
            self.control.start_traffic()
            self._wake()

    def channels(self) -> list[dict[str, str]]:
        """Snapshots of the live channels, as CoreShowChannels would list them."""
        return [snapshot(channel) for channel in self.control.pbx.channels.values()]

    def reset(self) -> None:
        """Forget received actions, calls and channels; connections stay open."""
        self.requests.clear()
        self.control.scheduler.clear()
        self.control = self._new_control()
        self._wake()

    def actions(self, name: str) -> list[ReceivedAction]:
        wanted = name.lower()
        return [action for action in self.requests if action.name.lower() == wanted]

    # -- sending ready-made frames ----------------------------------------------------

    def send_event(self, event: Mapping[str, str]) -> None:
        """Send one frame as it is to every logged-in client that wants events."""
        data = encode_frame(event)
        for session in self._listeners():
            session.write(data)

    async def _written(self, limit_s: float = 1.0) -> None:
        """Wait until what was written has left for the network: abort() discards the rest."""
        deadline = asyncio.get_running_loop().time() + limit_s
        while any(s.writer.transport.get_write_buffer_size() for s in self._listeners()):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.001)

    def drop_clients(self) -> None:
        """Cut every connection at once, as a crashed Asterisk or a broken network would."""
        for session in list(self._sessions):
            session.writer.transport.abort()

    async def replay(
        self,
        frames: Iterable[Mapping[str, str]],
        *,
        at_disconnect: Literal["drop", "stop", "ignore"] = "drop",
        mid_frame: bool = False,
    ) -> int:
        """Send recorded frames to the logged-in clients, in order.

        At a {";;": "DISCONNECT"} marker, "drop" cuts the connections (after the first half of
        the next frame when mid_frame is set) and "stop" just stops; other markers are skipped.
        Returns how many frames were used, the marker included, so that after the client has
        reconnected `replay(frames[n:])` carries on.
        """
        items = list(frames)
        for index, frame in enumerate(items):
            marker = frame.get(MARKER_KEY)
            if marker is None:
                self.send_event(frame)
                if index % 64 == 63:
                    await asyncio.sleep(0)
                continue
            if not marker.upper().startswith("DISCONNECT") or at_disconnect == "ignore":
                continue
            if at_disconnect == "drop":
                following = next((f for f in items[index + 1 :] if MARKER_KEY not in f), None)
                if mid_frame and following is not None:
                    data = encode_frame(following)
                    for session in self._listeners():
                        session.write(data[: len(data) // 2])
                await self._written()
                self.drop_clients()
            await asyncio.sleep(0)
            return index + 1
        await asyncio.sleep(0)
        return len(items)

    # -- sessions ---------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers_running.add(task)
        session = _Session(next(self._session_numbers), writer)
        self._sessions.add(session)
        try:
            session.write(f"Asterisk Call Manager/{self.ami_version}\r\n".encode())
            frames = FrameReader()
            while session.open:
                chunk = await reader.read(READ_CHUNK_BYTES)
                if not chunk:
                    break
                for frame in frames.feed(chunk):
                    self._handle(session, frame)
                    if not session.open:
                        break
        except (ConnectionError, OSError):
            logger.debug("AMI simulator: client %d went away", session.number)
        finally:
            self._sessions.discard(session)
            session.close()
            if task is not None:
                self._handlers_running.discard(task)

    def _handle(self, session: _Session, frame: Frame) -> None:
        self.requests.append(ReceivedAction(session.number, frame.headers))
        if frame.too_many_lines:
            session.send(
                response(frame, "Error", "Too many lines in message or allocation failure")
            )
            return
        name = frame.get("Action")
        if not name:
            session.send(response(frame, "Error", "Missing action in request"))
            return
        key = name.lower()
        if not session.authenticated and key not in ("login", "logoff", "challenge"):
            session.send(response(frame, "Error", "Permission denied"))
            return
        handler = self._handlers.get(key)
        if handler is None:
            message = (
                f"Invalid/unknown command: {name}. "
                "Use Action: ListCommands to show available commands."
            )
            session.send(response(frame, "Error", message))
            return
        self._run_due()
        handler(session, frame)
        self._flush()
        self._wake()

    # -- actions ----------------------------------------------------------------------

    def _reply_with(self, action: Callable[[Frame], Event]) -> Callable[[_Session, Frame], None]:
        def handle(session: _Session, frame: Frame) -> None:
            session.send(action(frame))

        return handle

    def _authenticated(self, session: _Session, frame: Frame) -> bool:
        if frame.get("Username").lower() != self.username.lower():
            return False
        if frame.get("AuthType").lower() == "md5":
            expected = hashlib.md5((session.challenge + self._secret).encode()).hexdigest()
            return bool(session.challenge) and frame.get("Key") == expected
        return frame.get("Secret") == self._secret

    def _login(self, session: _Session, frame: Frame) -> None:
        if session.authenticated:
            session.send(response(frame, "Success", "Already authenticated"))
            return
        if not self._authenticated(session, frame):
            session.send(response(frame, "Error", "Authentication failed"))
            session.close()
            return
        session.authenticated = True
        session.events = frame.get("Events", "on").lower() not in FALSE_WORDS
        session.send(response(frame, "Success", "Authentication accepted"))
        if session.events:
            uptime = str(int(self.now - self._origin_sim))
            session.send(
                {
                    "Event": "FullyBooted",
                    "Privilege": "system,all",
                    "Uptime": uptime,
                    "LastReload": uptime,
                    "Status": "Fully Booted",
                }
            )

    def _logoff(self, session: _Session, frame: Frame) -> None:
        session.send(response(frame, "Goodbye", "Thanks for all the fish."))
        session.close()

    def _challenge(self, session: _Session, frame: Frame) -> None:
        if frame.get("AuthType").lower() != "md5":
            session.send(response(frame, "Error", "Must specify AuthType"))
            return
        session.challenge = session.challenge or str(secrets.randbelow(10**9))
        session.send(response(frame, "Success", Challenge=session.challenge))

    def _ping(self, session: _Session, frame: Frame) -> None:
        session.send(response(frame, "Success", Ping="Pong", Timestamp=f"{self.now:.6f}"))

    def _events(self, session: _Session, frame: Frame) -> None:
        session.events = frame.get("EventMask", "on").lower() not in FALSE_WORDS
        session.send(response(frame, "Success", Events="On" if session.events else "Off"))

    def _core_show_channels(self, session: _Session, frame: Frame) -> None:
        for event in self.control.core_show_channels(frame):
            session.send(event)

    def _originate(self, session: _Session, frame: Frame) -> None:
        def reply(event: Event) -> None:
            self._flush()
            session.send(event)

        answer = self.control.originate(frame, reply)
        if answer is not None:
            session.send(answer)
