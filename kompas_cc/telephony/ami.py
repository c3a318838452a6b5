"""The AMI connection: Asterisk's manager interface through panoramisk, typed events out.

The only module that imports panoramisk. `AmiConnection` keeps one logged-in connection alive
in a task of its own, turns every event message into a typed event (`amievents.translate_lowered`)
handed to a sink (the bus), and sends the actions KOMPAS needs. It translates; it decides
nothing about calls.

panoramisk 1.4's hazards (STYLE.md) and what is done about each:

* It decodes every TCP read on its own, dropping a UTF-8 letter split between two reads
  ("Иван" arrives as "ван"): `_WholeFrameProtocol` keeps bytes until a frame has ended and
  decodes whole frames.
* `connect()` returns before the login: the login (an MD5 challenge, so the secret never
  crosses the wire) is sent and awaited here, then FullyBooted.
* A wrong secret makes it reconnect for ever, and `close()` leaves its retry timer running:
  its retries are switched off and this module retries itself, with a backoff doubling up to
  a cap, stopping for good on a refused login and on `close()`.
* Actions pending when the connection drops are sent again after the reconnect with the same
  ActionID (a second Originate rings a second time), and pending Ping/Login never resolve:
  here every pending action is settled the moment the connection drops and is never sent
  again; its caller gets `AmiConnectionDropped`.
* Its Ping has no timeout, so a silent peer goes unnoticed: a Ping goes out every
  `ping_interval_s` and one left unanswered ends the connection.
* Coroutine callbacks become tasks nobody owns: the one callback here is synchronous.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from panoramisk import Manager
from panoramisk.actions import Action
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from kompas_cc.core.clock import Clock
from kompas_cc.core.events import Event
from kompas_cc.telephony import amiactions
from kompas_cc.telephony.amievents import (
    CoreShowChannel,
    CoreShowChannelsComplete,
    FullyBooted,
    is_translated,
    translate_lowered,
)
from kompas_cc.telephony.amilink import (
    AmiActionFailed,
    AmiChannelsListed,
    AmiConfig,
    AmiConnectionDropped,
    AmiConnectionLost,
    AmiNoAnswer,
    AmiReply,
    AmiState,
    AmiStatus,
    AmiUnavailable,
    backoff_delay,
)

__all__ = ["AmiConnection"]

logger = logging.getLogger(__name__)

FRAME_END = b"\r\n\r\n"
BANNER_PREFIX = b"Asterisk Call Manager/"
#: Bytes without a frame end beyond which the buffer is garbage and is dropped.
MAX_FRAME_BYTES = 1024 * 1024
#: How long a closed connection may take to release its socket.
RELEASE_WAIT_S = 1.0
#: An action's answer is awaited this many timeouts at most while events keep arriving.
LATE_ANSWER_WAITS = 30
#: How many characters of a skipped frame the log shows.
LOGGED_FRAME_CHARS = 200

_FINAL_FAILURES = frozenset({"auth_failed", "closed", "idle"})

Sink = Callable[[Event], None]


class _LoginRefused(Exception):
    """Asterisk answered the Login with an error: retrying with the same secret is pointless."""


class _WholeFrameProtocol(AMIProtocol):  # type: ignore[misc]  # panoramisk has no type hints
    """panoramisk's protocol, reading whole frames and never queueing an action for re-sending.

    Frames end with an empty line; the bytes of a frame are kept until that line has arrived
    and only then decoded, so a multi-byte letter split between reads stays whole.
    """

    def __init__(self, on_lost: Callable[[], None], on_skipped: Callable[[str], None]) -> None:
        super().__init__()
        self._on_lost = on_lost
        self._on_skipped = on_skipped
        self._buffer = bytearray()
        self.gone = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self.version is None and not self._took_banner():
            return
        if self.factory is None:
            # Only the banner comes before the manager attaches itself and sends the login.
            return
        while (end := self._buffer.find(FRAME_END)) >= 0:
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + len(FRAME_END)]
            self._handle_frame(raw)
        if len(self._buffer) > MAX_FRAME_BYTES:
            self._buffer.clear()
            self._on_skipped(f"{MAX_FRAME_BYTES} bytes without the end of a frame")

    def _took_banner(self) -> bool:
        """Take Asterisk's one-line greeting off the buffer; False while it is incomplete."""
        head = bytes(self._buffer[: len(BANNER_PREFIX)])
        if not self._buffer.startswith(BANNER_PREFIX):
            if BANNER_PREFIX.startswith(head):
                return False
            logger.warning("AMI: the server did not greet like Asterisk: %.60r", head)
            self.version = ""
            return True
        end = self._buffer.find(b"\r\n")
        if end < 0:
            return False
        banner = bytes(self._buffer[:end]).decode("utf-8", errors="replace")
        self.version = banner.partition("/")[2].strip()
        del self._buffer[: end + 2]
        logger.info("AMI: %s", banner)
        return True

    def _handle_frame(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            return
        message = Message.from_line(text)
        if message is None:
            self._on_skipped(text)
            return
        try:
            self.handle_message(message)
        except Exception:
            logger.exception("AMI: a message could not be handled: %.200r", text)

    def connection_lost(self, exc: Exception | None) -> None:
        # panoramisk's own version schedules a reconnect nobody can cancel: the link retries.
        if self._buffer.strip():
            self._on_skipped(f"a frame cut by the dropped connection ({len(self._buffer)} bytes)")
        self._buffer.clear()
        if not self.closed:
            self.close()
        self.gone.set()
        self._on_lost()

    def close(self) -> None:
        # Settle unanswered actions first: panoramisk queues pending ones for re-sending.
        for action in list(self.responses.values()):
            if not action.future.done():
                action.future.cancel()
        super().close()


class _Manager(Manager):  # type: ignore[misc]  # panoramisk has no type hints
    """panoramisk's Manager with its retries, keepalive and re-sending switched off."""

    def connection_made(self, f: asyncio.Future[Any]) -> None:
        # A failed connect is retried by the link, with backoff; panoramisk would loop for ever.
        if f.cancelled() or f.exception() is not None:
            return
        super().connection_made(f)

    def ping(self) -> None:
        # The link pings with a timeout; this Ping would never notice a silent peer.
        self.pinger = None

    def send_awaiting_actions(self, *_args: object) -> None:
        # Called on FullyBooted to re-send what was pending at a disconnect: never re-send.
        self.awaiting_actions.clear()


@dataclass(eq=False)
class _Listing:
    """The CoreShowChannel events answering one CoreShowChannels action."""

    action_id: str
    channels: list[CoreShowChannel] = field(default_factory=list)
    complete: bool = False

    def takes(self, event: object) -> bool:
        if isinstance(event, CoreShowChannel) and event.action_id == self.action_id:
            self.channels.append(event)
            return True
        if isinstance(event, CoreShowChannelsComplete) and event.action_id == self.action_id:
            self.complete = True
            return True
        return False


class _Session:
    """One TCP connection: its manager, its unanswered actions and its signals."""

    def __init__(self) -> None:
        self.manager: _Manager | None = None
        self.protocol: _WholeFrameProtocol | None = None
        self.lost = asyncio.Event()
        self.booted = asyncio.Event()
        self.listed = asyncio.Event()
        self.listing: _Listing | None = None
        self.pending: dict[str, Action] = {}
        self.ready = False
        self.logged_in = False

    def drop(self) -> None:
        """The connection is gone: every unanswered action is settled, none is sent again."""
        self.ready = False
        self.lost.set()
        for action in self.pending.values():
            if not action.future.done():
                action.future.cancel()
        self.pending.clear()

    def forget(self, action: Action) -> None:
        """Stop waiting for `action`: a late answer is then dropped."""
        if self.protocol is not None:
            self.protocol.responses.pop(action.id, None)
        if not action.future.done():
            action.future.cancel()


def _translated_headers(message: Mapping[str, Any]) -> dict[str, object] | None:
    """The headers of an event `translate_lowered` reads, by lower-cased name; None, without
    copying anything, for the other events (most of a live stream).

    panoramisk's Message, a CaseInsensitiveDict, keeps them in `_store` as {lower-cased name:
    (name, value)}: read in one pass there, since going through its Mapping interface (a
    Python call per header and per lookup) costs as much as parsing the frame did.
    """
    store = getattr(message, "_store", None)
    if type(store) is not dict:
        values = {str(name).strip().lower(): value for name, value in message.items()}
        return values if is_translated(values.get("event")) else None
    event = store.get("event")
    if event is None or not is_translated(event[1]):
        return None
    return {name: pair[1] for name, pair in store.items()}


def _first(value: object) -> str:
    if isinstance(value, list) and value:
        return str(value[0])
    return str(value)


class AmiConnection:
    """A self-healing AMI connection; `start()` it once, `close()` it once.

    Every event Asterisk sends is translated and given to `sink`, in arrival order, from
    panoramisk's callback. After each login the live channels are handed on as one
    `AmiChannelsListed`; each time a logged-in connection drops, `AmiConnectionLost`.
    """

    def __init__(self, config: AmiConfig, *, clock: Clock, sink: Sink) -> None:
        self._config = config
        self._clock = clock
        self._sink = sink
        self._task: asyncio.Task[None] | None = None
        self._session: _Session | None = None
        self._closing = False
        self._action_ids = itertools.count(1)
        self._id_prefix = f"kompas-{secrets.token_hex(4)}"
        self._changed = asyncio.Event()
        self._state: AmiState = "idle"
        self._since: datetime | None = None
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None
        self._reconnects = 0
        self._events_received = 0
        self._frames_skipped = 0
        self._ever_connected = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._closing:
            raise RuntimeError("a closed AMI connection cannot be started again")
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ami-link")
            self._set_state("connecting")

    async def close(self) -> None:
        """Stop for good: the retry loop ends, the socket is closed, pending actions fail."""
        self._closing = True
        task, self._task = self._task, None
        # Cancelled again until it ends: on Python 3.11, asyncio.wait_for swallows a
        # cancellation that arrives just as its awaitable finishes (fixed in 3.12).
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=RELEASE_WAIT_S)
        self._set_state("closed")

    @property
    def status(self) -> AmiStatus:
        return AmiStatus(
            state=self._state,
            since=self._since,
            last_error=self._last_error,
            last_error_at=self._last_error_at,
            reconnects=self._reconnects,
            events_received=self._events_received,
            frames_skipped=self._frames_skipped,
        )

    # -- actions ---------------------------------------------------------------------------

    async def send_action(
        self, action: Mapping[str, str], *, timeout_s: float | None = None
    ) -> AmiReply:
        """Send `action` once, with an ActionID of its own, and return Asterisk's answer.

        Without a logged-in connection it waits for one, up to `timeout_s` (the configured
        action timeout by default), then waits as long again for the answer. Raises
        AmiUnavailable (no connection), AmiNoAnswer, AmiConnectionDropped (sent, but the
        connection dropped before the answer: it may have been carried out) or
        AmiActionFailed (Asterisk said no).
        """
        headers = amiactions.checked(action)
        limit = self._config.action_timeout_s if timeout_s is None else timeout_s
        session = await self._ready_session(limit)
        headers["ActionID"] = f"{self._id_prefix}-{next(self._action_ids)}"
        reply = await self._exchange(session, headers, limit)
        if reply.response.lower() != "success":
            raise AmiActionFailed(action=headers["Action"], reason=reply.message or reply.response)
        return reply

    # -- the connection loop ---------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._closing:
            self._set_state("connecting")
            session = _Session()
            try:
                await self._serve(session)
            except _LoginRefused as refused:
                self._fail(f"login refused: {refused}")
                logger.error(
                    "AMI: %s:%d refused the login of %r (%s). Check ami_username, ami_secret "
                    "and the permit/deny lines of manager.conf; no retry until KOMPAS restarts.",
                    self._config.host,
                    self._config.port,
                    self._config.username,
                    refused,
                )
                self._set_state("auth_failed")
                return
            except Exception as error:
                self._fail(self._describe(error))
            if self._closing:
                return
            failures = 1 if session.listed.is_set() else failures + 1
            delay = backoff_delay(
                failures, self._config.backoff_initial_s, self._config.backoff_max_s
            )
            self._set_state("retrying")
            logger.info("AMI: next connection attempt in %.3g s", delay)
            await asyncio.sleep(delay)

    async def _serve(self, session: _Session) -> None:
        """Connect, log in, list the channels, then ping until the connection is lost."""
        loop = asyncio.get_running_loop()
        manager = _Manager(
            host=self._config.host,
            port=self._config.port,
            loop=loop,
            events="on",
            protocol_factory=lambda: _WholeFrameProtocol(session.drop, self._skipped),
        )
        manager.register_event("*", lambda _manager, message: self._on_event(session, message))
        session.manager = manager
        self._session = session
        try:
            async with asyncio.timeout(self._config.connect_timeout_s):
                await manager.connect()
            session.protocol = manager.protocol
            await self._log_in(session)
            self._connected(session)
            await self._list_channels(session)
            await self._keep_alive(session)
        finally:
            self._session = None
            session.drop()
            manager.close()
            if session.protocol is not None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(RELEASE_WAIT_S):
                        await session.protocol.gone.wait()
            if session.logged_in and not self._closing:
                self._emit(AmiConnectionLost(at=self._clock.now()))

    async def _log_in(self, session: _Session) -> None:
        timeout = self._config.login_timeout_s
        challenge = await self._exchange(
            session, {"Action": "Challenge", "AuthType": "MD5"}, timeout
        )
        nonce = challenge.headers.get("Challenge", "")
        if challenge.response.lower() != "success" or not nonce:
            raise AmiActionFailed(
                action="Challenge", reason=challenge.message or challenge.response
            )
        # MD5 is what the AMI challenge prescribes; it keeps the secret off the wire.
        key = hashlib.md5((nonce + self._config.secret).encode(), usedforsecurity=False)
        login = {
            "Action": "Login",
            "AuthType": "MD5",
            "Username": self._config.username,
            "Key": key.hexdigest(),
            "Events": "on",
        }
        reply = await self._exchange(session, login, timeout)
        if reply.response.lower() != "success":
            raise _LoginRefused(reply.message or reply.response)
        session.logged_in = True
        if not await self._until(session, session.booted, timeout):
            logger.warning("AMI: no FullyBooted within %.0f s of the login; carrying on", timeout)

    def _connected(self, session: _Session) -> None:
        if self._ever_connected:
            self._reconnects += 1
        self._ever_connected = True
        session.ready = True
        logger.info("AMI: logged in to %s:%d", self._config.host, self._config.port)
        self._set_state("connected")

    async def _list_channels(self, session: _Session) -> None:
        """Ask CoreShowChannels; `_on_event` hands the listing on when it is complete."""
        action_id = f"{self._id_prefix}-{next(self._action_ids)}"
        session.listing = _Listing(action_id)
        headers = {"Action": "CoreShowChannels", "ActionID": action_id}
        reply = await self._exchange(session, headers, self._config.action_timeout_s)
        if reply.response.lower() != "success":
            raise AmiActionFailed(action="CoreShowChannels", reason=reply.message or reply.response)
        if not await self._until(session, session.listed, self._config.action_timeout_s):
            raise AmiNoAnswer()

    async def _keep_alive(self, session: _Session) -> None:
        never = asyncio.Event()
        while True:
            try:
                await self._until(session, never, self._config.ping_interval_s)
            except AmiConnectionDropped:
                self._fail("connection lost")
                return
            await self._exchange(session, amiactions.ping(), self._config.action_timeout_s)

    # -- one action on one connection ------------------------------------------------------

    async def _ready_session(self, timeout_s: float) -> _Session:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            session = self._session
            if session is not None and session.ready and not session.lost.is_set():
                return session
            remaining = deadline - loop.time()
            if self._state in _FINAL_FAILURES or remaining <= 0:
                raise AmiUnavailable()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._changed.wait()

    async def _exchange(
        self, session: _Session, headers: dict[str, str], timeout_s: float
    ) -> AmiReply:
        """Send on this connection only, and wait for the answer; never sent twice."""
        if session.lost.is_set() or session.manager is None:
            raise AmiConnectionDropped()
        action = Action(headers, as_list=False)
        session.pending[action.id] = action
        answered = False
        try:
            session.manager.send_action(action, as_list=False)
            answered = await self._answered(action.future, timeout_s)
        finally:
            session.pending.pop(action.id, None)
            if not action.future.done():
                session.forget(action)
        if not answered and not session.lost.is_set():
            raise AmiNoAnswer()
        if action.future.cancelled():
            raise AmiConnectionDropped()
        message = action.future.result()
        # panoramisk keeps the body of a "Response: Follows" among the headers, as "content".
        values = {str(name): _first(value) for name, value in message.items() if name != "content"}
        return AmiReply(
            action_id=str(action.id),
            response=_first(message.get("Response", "")),
            message=_first(message.get("Message", "")),
            headers=values,
        )

    async def _answered(self, future: asyncio.Future[Any], timeout_s: float) -> bool:
        """Wait for an action's answer: True once it is there.

        An answer comes after the events the PBX sent before it; during a burst read slower
        than it came, it can be late. Events still arriving prove the PBX alive, so the wait
        goes on (up to LATE_ANSWER_WAITS timeouts); only silence is taken for no answer."""
        for _ in range(LATE_ANSWER_WAITS):
            heard = self._events_received
            done, _ = await asyncio.wait({future}, timeout=timeout_s)
            if done:
                return True
            if self._events_received == heard:
                return False
            logger.info("AMI: an answer is late behind a burst of events; waiting on")
        return False

    async def _until(self, session: _Session, flag: asyncio.Event, timeout_s: float) -> bool:
        """Wait for `flag`: True once set, False after `timeout_s`; raise if the link drops."""
        waiters = {
            asyncio.ensure_future(flag.wait()),
            asyncio.ensure_future(session.lost.wait()),
        }
        try:
            await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if flag.is_set():
            return True
        if session.lost.is_set():
            raise AmiConnectionDropped()
        return False

    # -- panoramisk's callbacks ------------------------------------------------------------

    def _on_event(self, session: _Session, message: Mapping[str, Any]) -> None:
        """Translate and hand on; nothing else happens here (this runs inside the read)."""
        self._events_received += 1
        values = _translated_headers(message)
        event = translate_lowered(values, self._clock.now) if values is not None else None
        if event is None:
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug("AMI: %s is not used", _first(message.get("Event", "?")))
            return
        if isinstance(event, FullyBooted):
            session.booted.set()
        listing = session.listing
        if listing is not None and listing.takes(event):
            if listing.complete:
                session.listing = None
                session.listed.set()
                self._emit(AmiChannelsListed(at=event.at, channels=tuple(listing.channels)))
            return
        self._emit(event)

    def _emit(self, event: Event) -> None:
        try:
            self._sink(event)
        except Exception:
            logger.exception("AMI: the sink failed on %r", event)

    def _skipped(self, what: str) -> None:
        self._frames_skipped += 1
        logger.warning("AMI: skipped %.*r", LOGGED_FRAME_CHARS, what)

    # -- status ----------------------------------------------------------------------------

    def _set_state(self, state: AmiState) -> None:
        if state != self._state:
            self._state = state
            self._since = self._clock.now()
        self._changed.set()
        self._changed = asyncio.Event()

    def _fail(self, description: str) -> None:
        self._last_error = description
        self._last_error_at = self._clock.now()
        logger.warning("AMI: %s", description)

    def _describe(self, error: Exception) -> str:
        where = f"{self._config.host}:{self._config.port}"
        if isinstance(error, TimeoutError):
            return f"no answer from {where} within {self._config.connect_timeout_s:g} s"
        if isinstance(error, OSError):
            return f"cannot connect to {where}: {error.strerror or error}"
        if isinstance(error, AmiActionFailed):
            return f"{error.action} refused: {error.reason}"
        if isinstance(error, AmiNoAnswer):
            return f"{where} stopped answering"
        if isinstance(error, AmiConnectionDropped):
            return "connection lost"
        logger.error("AMI: unexpected failure", exc_info=error)
        return f"unexpected failure: {error!r}"
