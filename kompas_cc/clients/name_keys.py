"""The sort keys of client names, by client id, in one buffer.

A million names as a Python list would be a million objects for the garbage collector to
walk on every full collection (a tenth of a second each, stalling every request). Here
they are one bytearray and two numpy arrays: no per-client object at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


class NameKeys:
    def __init__(self, capacity: int) -> None:
        self._blob = bytearray()
        self._start = np.zeros(capacity, np.int64)
        self._length = np.zeros(capacity, np.int32)
        self._garbage = 0

    def __getitem__(self, client_id: int) -> bytes:
        start = int(self._start[client_id])
        return bytes(self._blob[start : start + int(self._length[client_id])])

    def __len__(self) -> int:
        return len(self._start)

    def arrays(self) -> list[npt.NDArray[Any]]:
        return [np.frombuffer(self._blob, np.uint8), self._start, self._length]

    def grow(self, capacity: int) -> None:
        extra = capacity - len(self._start)
        if extra > 0:
            self._start = np.concatenate([self._start, np.zeros(extra, np.int64)])
            self._length = np.concatenate([self._length, np.zeros(extra, np.int32)])

    def load(self, ids: Sequence[int], keys: Sequence[bytes]) -> None:
        """Replace everything with these keys (the start-up build)."""
        lengths = np.fromiter(map(len, keys), np.int64, len(keys))
        starts = np.concatenate([np.zeros(1, np.int64), np.cumsum(lengths)[:-1]])
        self._blob = bytearray(b"".join(keys))
        self._start[:] = 0
        self._length[:] = 0
        index = np.fromiter(ids, np.int64, len(ids))
        self._start[index] = starts
        self._length[index] = lengths
        self._garbage = 0

    def set(self, client_id: int, key: bytes) -> None:
        self._garbage += int(self._length[client_id])
        self._start[client_id] = len(self._blob)
        self._length[client_id] = len(key)
        self._blob += key
        if self._garbage > max(len(self._blob) // 2, 1 << 20):
            self._compact()

    def _compact(self) -> None:
        ids = np.flatnonzero(self._length)
        keys = [self[int(i)] for i in ids]
        self.load(ids.tolist(), keys)
