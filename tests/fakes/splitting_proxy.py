"""A TCP proxy between a client and a server, for tests of what the network does to a stream.

Towards the client it can cut a chunk in the middle of a UTF-8 letter (two writes with a pause
between them, so the client reads them separately), push raw bytes of its own (garbage), and
go silent on the connections open so far (a peer that stopped answering, the TCP connection
still up). Connections made later pass through normally.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self

READ_CHUNK_BYTES = 65536
#: Long enough for the event loop to poll the socket and deliver the first part on its own.
SPLIT_PAUSE_S = 0.01
_UTF8_LEAD_BYTE = 0xC0
CLOSE_WAIT_S = 2.0


class _Pipe:
    """One client connection and its upstream twin."""

    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream = upstream
        self.silent = False
        self.tasks: list[asyncio.Task[None]] = []

    def close(self) -> None:
        for writer in (self.client, self.upstream):
            writer.close()


class SplittingProxy:
    def __init__(self, target_port: int, *, split_letters: bool = True) -> None:
        self.target_port = target_port
        self.split_letters = split_letters
        self.splits = 0
        self.connections = 0
        self.port = 0
        self._pipes: set[_Pipe] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for pipe in list(self._pipes):
            pipe.close()
        # Closed pipes end their handlers; cancelling them would make asyncio log an error.
        if self._handlers:
            await asyncio.wait(self._handlers, timeout=CLOSE_WAIT_S)

    def inject(self, data: bytes) -> None:
        """Send `data` to every client as if the server had sent it."""
        for pipe in self._pipes:
            pipe.client.write(data)

    def go_silent(self) -> None:
        """From now on, pass nothing either way on the connections open now."""
        for pipe in self._pipes:
            pipe.silent = True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            self._handlers.discard(task)
            return
        pipe = _Pipe(writer, up_writer)
        self._pipes.add(pipe)
        try:
            await asyncio.gather(
                self._pump(pipe, up_reader, writer, downstream=True),
                self._pump(pipe, reader, up_writer, downstream=False),
            )
        finally:
            self._pipes.discard(pipe)
            pipe.close()
            self._handlers.discard(task)

    async def _pump(
        self,
        pipe: _Pipe,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        downstream: bool,
    ) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(READ_CHUNK_BYTES):
                if pipe.silent:
                    continue
                if downstream and self.split_letters:
                    await self._write_split(writer, chunk)
                else:
                    writer.write(chunk)
                    await writer.drain()
        pipe.close()

    async def _write_split(self, writer: asyncio.StreamWriter, chunk: bytes) -> None:
        """Write `chunk` in two parts cut after the first byte of its first multi-byte letter."""
        lead = next((i for i, byte in enumerate(chunk) if byte >= _UTF8_LEAD_BYTE), None)
        if lead is None:
            writer.write(chunk)
            await writer.drain()
            return
        writer.write(chunk[: lead + 1])
        await writer.drain()
        await asyncio.sleep(SPLIT_PAUSE_S)
        writer.write(chunk[lead + 1 :])
        await writer.drain()
        self.splits += 1
