"""The shared memory that carries observation arrays to agent hosts (arena/shared_arrays.py)."""

from __future__ import annotations

import mmap
import os

import numpy as np
import pytest

from arena import shared_arrays
from arena.shared_arrays import ALIGN, ArrayRing, RingReader, read_arrays

pytestmark = pytest.mark.skipif(ArrayRing.create() is None, reason="no memfd here")


def _arrays(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((rows, 5), dtype=np.float32), rng.integers(0, 2, (rows, 3), dtype=np.int8)


def test_the_host_reads_private_copies_of_what_the_referee_wrote():
    ring = ArrayRing(capacity=4096)
    reader = RingReader(ring.fd)
    tensors, masks = _arrays(7)
    places = ring.put((tensors, masks))
    got = [read_arrays(reader, ("ring", place)) for place in places]
    np.testing.assert_array_equal(got[0], tensors)
    np.testing.assert_array_equal(got[1], masks)
    assert got[0].dtype == np.float32 and got[1].dtype == np.int8
    ring.release_oldest()
    ring.put(_arrays(7, seed=1))  # the same region, overwritten
    np.testing.assert_array_equal(got[0], tensors)
    assert read_arrays(reader, masks) is masks  # sent in the pipe: as it is
    ring.close()


def test_regions_are_reused_in_order_and_wrap_around():
    ring = ArrayRing(capacity=4 * ALIGN)
    one = (np.zeros(ALIGN, np.uint8),)
    assert [ring.put(one)[0][0] for _ in range(4)] == [0, ALIGN, 2 * ALIGN, 3 * ALIGN]
    assert ring.put(one) is None  # full: the caller sends it in the pipe
    ring.release_oldest()
    assert ring.put(one)[0][0] == 0  # wrapped into the region freed first
    assert ring.put(one) is None
    ring.release_oldest()
    ring.release_oldest()
    assert ring.put((np.zeros(2 * ALIGN, np.uint8),))[0][0] == ALIGN
    assert ring.put((np.zeros(5 * ALIGN, np.uint8),)) is None  # larger than the ring
    assert ring.put((np.array([None, "x"], dtype=object),)) is None  # objects: in the pipe
    for _ in range(3):  # every request answered
        ring.release_oldest()
    assert ring.put((np.zeros(4 * ALIGN, np.uint8),))[0][0] == 0
    ring.close()


def test_the_file_is_sealed_against_resizing_and_writing():
    ring = ArrayRing(capacity=4096)
    with pytest.raises(PermissionError):
        os.ftruncate(ring.fd, 0)
    with pytest.raises(PermissionError):
        os.ftruncate(ring.fd, 1 << 20)
    with pytest.raises(PermissionError):
        mmap.mmap(ring.fd, 0)
    with pytest.raises(PermissionError):
        os.pwrite(ring.fd, b"x", 0)
    assert ring.put(_arrays(3)) is not None  # the referee's own mapping still writes
    ring.close()


def test_the_ring_is_sized_by_capacity_at_creation(monkeypatch):
    monkeypatch.setattr(shared_arrays, "CAPACITY", 2 * ALIGN)
    ring = ArrayRing.create()
    assert ring is not None and ring.capacity == 2 * ALIGN
    ring.close()
