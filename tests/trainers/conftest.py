"""Trainer tests run with one torch thread (reproducible and fair to the other tests), also
inside ``train()``, which would set ``TrainConfig.threads`` (2 by default)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch):
    set_threads, threads = torch.set_num_threads, torch.get_num_threads()
    set_threads(1)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    yield
    set_threads(threads)
