"""Pausing Python's cyclic garbage collector around the referee's and the driver's hot loops.

Playing a chunk of games allocates millions of small containers (rows, observations,
requests), all freed by reference counting: none of them form cycles. The cyclic collector
still ran every 700 allocations, and each of its full passes walked every live object (the
schedule, a chunk's rows, every imported module): measured on an 80,000-game duel with two
workers, a fifth of each worker's CPU time and a third of the driver's. Inside
:func:`paused_gc` it does not run; leaving the block restores it and collects the young
generations once, so a cycle made in the block (an exception kept with its traceback, say) is
freed when the block ends.

Agent hosts do not pause it: agent code is not ours, and may well make cycles at every move.
With ``--isolation none`` the agents run inside the referee's loop: their cycles then wait for
the end of the chunk (at most :func:`arena.executor.default_chunk_size` games), when the young
generations, where everything made in the block still is, are collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable automatic cyclic collection for the block; on the way out, whatever happens,
    restore the collector's state and collect the young generations."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect(1)
