"""The fast reader's gate: never more than its places inside, waiters served in arrival order."""

from __future__ import annotations

import asyncio

import pytest

from kompas_cc.db.fifo_gate import FifoGate


async def test_no_more_than_its_places_are_inside_at_once() -> None:
    gate = FifoGate(3)
    inside = peak = 0

    async def work() -> None:
        nonlocal inside, peak
        async with gate:
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(work() for _ in range(40)))
    assert peak == 3
    assert inside == 0
    assert gate.waiting == 0


async def test_a_released_place_goes_to_the_longest_waiter_not_to_a_newcomer() -> None:
    gate = FifoGate(1)
    served: list[str] = []
    await gate.__aenter__()
    first = asyncio.create_task(_enter_and_note(gate, served, "first"))
    second = asyncio.create_task(_enter_and_note(gate, served, "second"))
    await asyncio.sleep(0)
    assert gate.waiting == 2
    await gate.__aexit__(None, None, None)
    # A newcomer arrives after the release but before the woken waiter has run: it queues.
    newcomer = asyncio.create_task(_enter_and_note(gate, served, "newcomer"))
    await asyncio.gather(first, second, newcomer)
    assert served == ["first", "second", "newcomer"]


async def test_a_cancelled_waiter_gives_up_its_turn_and_loses_no_place() -> None:
    gate = FifoGate(1)
    served: list[str] = []
    await gate.__aenter__()
    quitter = asyncio.create_task(_enter_and_note(gate, served, "quitter"))
    stayer = asyncio.create_task(_enter_and_note(gate, served, "stayer"))
    await asyncio.sleep(0)
    quitter.cancel()
    await gate.__aexit__(None, None, None)
    await stayer
    with pytest.raises(asyncio.CancelledError):
        await quitter
    assert served == ["stayer"]
    async with asyncio.timeout(1):
        async with gate:
            pass


async def test_a_place_handed_over_as_the_wait_is_cancelled_is_passed_on() -> None:
    gate = FifoGate(1)
    served: list[str] = []
    await gate.__aenter__()
    quitter = asyncio.create_task(_enter_and_note(gate, served, "quitter"))
    stayer = asyncio.create_task(_enter_and_note(gate, served, "stayer"))
    await asyncio.sleep(0)
    await gate.__aexit__(None, None, None)  # the place is the quitter's now...
    quitter.cancel()  # ...but it is cancelled before it runs
    await stayer
    with pytest.raises(asyncio.CancelledError):
        await quitter
    assert served == ["stayer"]
    assert gate.waiting == 0


def test_a_gate_needs_a_place() -> None:
    with pytest.raises(ValueError, match="at least one"):
        FifoGate(0)


async def _enter_and_note(gate: FifoGate, served: list[str], name: str) -> None:
    async with gate:
        served.append(name)
        await asyncio.sleep(0)
