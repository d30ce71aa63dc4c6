"""Observation arrays handed to an agent host through shared memory instead of its pipe.

A request's tensors and masks (about 100 KB for 128 Skull observations) cost 100-180 µs to
push through a pipe on a small virtual machine, and as much again to read, against 2-3 µs to
copy into memory both processes map. The referee writes each request's arrays into a ring in
a sealed ``memfd`` (:class:`ArrayRing`) and sends only their places; the host maps the same
file read-only and copies them out (:func:`read_arrays`), so an agent that keeps an
observation never sees it change.

The host is not trusted, and need not be: the seals forbid it to resize the file (which would
crash the referee on its next write) or to map it writable; the referee never reads the ring;
and the ring only ever holds this host's own observations. A region is reused once the reply
to its request has been read (replies come in order). Where ``memfd`` is missing (not Linux),
or a request does not fit, the arrays travel in the pipe as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np

CAPACITY = 16 << 20
"""Bytes of each host's ring (pages are allocated when first written)."""
ALIGN = 64
_SEAL_FUTURE_WRITE = 0x10
"""``F_SEAL_FUTURE_WRITE`` (Linux 5.1): no new writable mapping, no ``write``."""

Place = tuple[int, str, tuple[int, ...]]
"""Where an array lies in the ring: ``(offset, dtype string, shape)``."""


class ArrayRing:
    """The referee's side: a sealed ``memfd`` ring of request arrays, freed in order."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity = CAPACITY if capacity is None else capacity
        self.fd = os.memfd_create("bluff-arena-observations", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            os.ftruncate(self.fd, capacity)
            self.map = mmap.mmap(self.fd, capacity)
            seals = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
            try:
                fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, seals | _SEAL_FUTURE_WRITE)
            except OSError:  # a kernel before 5.1: the host could write, never resize
                fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, seals)
        except OSError:
            os.close(self.fd)
            raise
        self._used: deque[tuple[int, int]] = deque()
        """``(offset, size)`` of the requests not yet answered, oldest first."""

    @classmethod
    def create(cls) -> ArrayRing | None:
        """A ring, or None where shared memory files are not available."""
        if not hasattr(os, "memfd_create"):
            return None
        try:
            return cls()
        except OSError:
            return None

    def put(self, arrays: Sequence[np.ndarray]) -> list[Place] | None:
        """Copy ``arrays`` into the ring for one request; their places, or None (nothing
        written) when they do not fit beside the requests still unanswered, or hold Python
        objects."""
        if any(a.dtype.hasobject for a in arrays):
            return None
        sizes = [max(ALIGN, -(-a.nbytes // ALIGN) * ALIGN) for a in arrays]
        total = sum(sizes)
        offset = self._allocate(total)
        if offset is None:
            return None
        places: list[Place] = []
        at = offset
        for array, size in zip(arrays, sizes, strict=True):
            view = np.ndarray(array.shape, array.dtype, buffer=self.map, offset=at)
            view[...] = array
            places.append((at, array.dtype.str, tuple(array.shape)))
            at += size
        self._used.append((offset, total))
        return places

    def _allocate(self, size: int) -> int | None:
        """The offset of ``size`` free bytes after the newest region (wrapping to the start
        when the end is reached), or None."""
        if size > self.capacity:
            return None
        if not self._used:
            return 0
        head = self._used[0][0]
        last, last_size = self._used[-1]
        tail = last + last_size
        if last >= head:  # the regions in use run from head to tail
            if tail + size <= self.capacity:
                return tail
            return 0 if size <= head else None
        return tail if tail + size <= head else None  # wrapped: the free gap is tail..head

    def release_oldest(self) -> None:
        """The oldest request was answered: its region may be reused."""
        if self._used:
            self._used.popleft()

    def close(self) -> None:
        with contextlib.suppress(BufferError, ValueError):
            self.map.close()
        with contextlib.suppress(OSError):
            os.close(self.fd)


class RingReader:
    """The host's side: the referee's ring, mapped read-only."""

    def __init__(self, fd: int) -> None:
        self.map = mmap.mmap(fd, 0, prot=mmap.PROT_READ)

    def read(self, place: Place) -> np.ndarray:
        """A private copy of the array at ``place``."""
        offset, dtype, shape = place
        array = np.ndarray(tuple(shape), np.dtype(dtype), buffer=self.map, offset=offset)
        return array.copy()


def read_arrays(reader: RingReader | None, value: Any) -> Any:
    """An array sent in the pipe as it is; one sent through the ring (``("ring", place)``)
    copied out of it."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "ring":
        if reader is None:
            raise ValueError("an array was sent through shared memory the host has not mapped")
        return reader.read(value[1])
    return value
