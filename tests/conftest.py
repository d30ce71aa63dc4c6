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
    at import (about 15% less CPU time in the tests that build many states in this process)."""
    gc.collect()
    gc.freeze()
