"""Recent answers of the call pop-up lookup, forgotten the moment their data changes.

A ringing call is looked up by every operator whose phone rings (a queue rings several at
once) and the same callers ring again; a database round trip for each costs more than the
rest of the request. Answers are kept by E.164 number, with the visibility data needed to
filter them per user, and dropped when an event says a client's phones, name, contact
persons, archive state or identity (merge) changed. Events reach only this process: the
time-to-live bounds how long another process's change can go unseen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kompas_cc.core.ttlcache import TtlCache

LOOKUP_CACHE_TTL_S = 30.0
LOOKUP_CACHE_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class PhoneOwner:
    """One client (or contact person of one) holding a number, with its responsible manager."""

    client_id: int
    name: str
    kind: str
    contact_person_id: int | None
    contact_person: str | None
    manager_id: int | None


class LookupCache:
    def __init__(
        self, ttl_s: float = LOOKUP_CACHE_TTL_S, max_size: int = LOOKUP_CACHE_SIZE
    ) -> None:
        self._answers: TtlCache[str, tuple[PhoneOwner, ...]] = TtlCache(ttl_s, max_size)
        self._numbers_of: defaultdict[int, set[str]] = defaultdict(set)

    def get(self, number: str) -> tuple[PhoneOwner, ...] | None:
        return self._answers.get(number)

    def put(self, number: str, owners: tuple[PhoneOwner, ...]) -> None:
        self._answers.put(number, owners)
        for owner in owners:
            self._numbers_of[owner.client_id].add(number)

    def forget_numbers(self, numbers: Iterable[str]) -> None:
        for number in numbers:
            self._answers.forget(number)

    def forget_client(self, client_id: int) -> None:
        self.forget_numbers(self._numbers_of.pop(client_id, ()))
