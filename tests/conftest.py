"""Every test runs torch with one thread, also inside ``train()`` (which would set
``TrainConfig.threads``, 2 by default): results are reproducible, and on a loaded machine tiny
networks are not slowed down many times by threads waiting for each other. Children started by
the tests (``arena`` commands, workers) get ``OMP_NUM_THREADS=1`` too; agent hosts always do
(:func:`arena.sandbox.host_env`).

After collection every object then alive is frozen out of the garbage collector's way
(:func:`pytest_collection_finish`)."""

import gc
import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    import torch

    set_threads, threads = torch.set_num_threads, torch.get_num_threads()
    set_threads(1)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    yield
    set_threads(threads)


def pytest_collection_finish(session):
    """Move everything alive after collection (the libraries, the collected tests) to the
    garbage collector's permanent generation, in each xdist worker: its collections then walk
    only what the tests allocate, not every object that torch, Ray, OpenSpiel and Textual made
    at import (about 15% less CPU time in the tests that build many states in this process).

    Collections are then made rarer (10x: the young generation holds 7,000 objects, and a full
    collection waits for 100 of the middle one): what the tests import later (Ray, Textual)
    and build stays alive until the worker ends, and full collections still walked it, 49-61
    times per worker for 6-9 s of CPU; with these thresholds, 15 times for 1.6 s."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 10, 100)
