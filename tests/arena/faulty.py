"""Misbehaving agents for the fault-isolation tests (specs ``tests.arena.faulty:NAME``)."""

from __future__ import annotations

import os
import time

import numpy as np

from agents.random import RandomAgent
from games.core import Observation


class _Faulty(RandomAgent):
    """Misbehaves (:meth:`fault`) once it has played ``good_moves`` moves."""

    good_moves = 0

    def reset(self, game, seat, seed):
        super().reset(game, seat, seed)
        self.moves = 0

    def act(self, obs: Observation):
        self.moves += 1
        if self.moves > self.good_moves:
            return self.fault(obs)
        return super().act(obs)

    def fault(self, obs: Observation):
        raise NotImplementedError


class Raises(_Faulty):
    def fault(self, obs):
        raise RuntimeError("boom")


class Illegal(_Faulty):
    def fault(self, obs):
        return int(np.flatnonzero(obs.legal_mask == 0)[0])


class Garbage(_Faulty):
    def fault(self, obs):
        return "bid many"


class Sleeps(_Faulty):
    def fault(self, obs):
        time.sleep(3.0)
        return RandomAgent.act(self, obs)


class Loops(_Faulty):
    def fault(self, obs):
        while True:
            pass


class Exits(_Faulty):
    def fault(self, obs):
        os._exit(3)


def raises():
    return Raises()


def illegal():
    return Illegal()


def garbage():
    return Garbage()


def sleeps():
    return Sleeps()


def loops():
    return Loops()


def exits():
    return Exits()


def not_an_agent():
    return object()
