"""The measure of a best response: its mean return on fresh duplicate games.

See :mod:`trainers.best_response` (the module docstring) for what the mean return bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from agents.mlp import MLPActor
from games.core import Game
from trainers.response_games import ResponseGames
from trainers.rollout import gumbel_sample, masked_log_softmax


@dataclass(frozen=True)
class ResponseValue:
    """The response's mean return over fresh games (see the module docstring).

    Attributes:
        mean: the mean over the seats of its mean return in each seat.
        half_width: the 95% half-width of ``mean``.
        per_seat: its mean return in each seat.
        games: games played (the same number in each seat).
    """

    mean: float
    half_width: float
    per_seat: tuple[float, ...]
    games: int

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval."""
        return self.mean - self.half_width, self.mean + self.half_width


def play_response(
    actor: MLPActor,
    spec: str,
    game: Game,
    games: int,
    seed: int,
    greedy: bool = True,
    chunk: int = 2048,
    on_chunk: Callable[[int], object] | None = None,
) -> ResponseValue:
    """Play ``actor`` against ``spec`` on fresh duplicate games; its mean return.

    Duplicate games (as in duplicate bridge): each of ``ceil(games / N)`` deals is played ``N``
    times, the response taking each seat in turn and every game of the deal drawing its chance
    outcomes and agents' seeds from the same seed (common random numbers). The luck of the
    deal then largely cancels out of the deal's mean over the seats, whose spread over the
    deals gives the 95% interval. Deals are played ``chunk`` games at a time (``on_chunk`` is
    told how many games each chunk finished).
    """
    n = game.num_players
    deal_seeds = np.random.SeedSequence([seed, 1]).generate_state(math.ceil(games / n))
    per_chunk = max(chunk // n, 1)
    results = []
    for k in range(0, len(deal_seeds), per_chunk):
        results.append(_play_deals(actor, spec, game, deal_seeds[k : k + per_chunk], greedy))
        if on_chunk is not None:
            on_chunk(results[-1].size)
    returns = np.concatenate(results)  # [deals, seat of the response]
    by_deal = returns.mean(axis=1)
    half_width = 1.96 * by_deal.std(ddof=1) / math.sqrt(len(by_deal)) if len(by_deal) > 1 else 0.0
    per_seat = tuple(float(v) for v in returns.mean(axis=0))
    return ResponseValue(float(by_deal.mean()), float(half_width), per_seat, returns.size)


@torch.no_grad()
def _play_deals(
    actor: MLPActor, spec: str, game: Game, deal_seeds: np.ndarray, greedy: bool
) -> np.ndarray:
    """The response's return in every seat of every deal ``[deals, N]`` (played together)."""
    n = game.num_players
    table = ResponseGames(game, spec, len(deal_seeds) * n, np.random.default_rng(0))
    for e in range(table.num_envs):
        table.start(e, e % n, np.random.default_rng(int(deal_seeds[e // n])))
    table.play_others(range(table.num_envs))
    live = [e for e in range(table.num_envs) if table.learner_return(e) is None]
    while live:
        obs = np.stack([table.states[e].observation_tensor(int(table.seat[e])) for e in live])
        mask = np.stack([table.states[e].legal_actions_mask() for e in live]).astype(bool)
        logp = masked_log_softmax(actor(torch.from_numpy(obs)), torch.from_numpy(mask)).numpy()
        for e, row in zip(live, logp, strict=True):
            table.states[e].apply_action(int(row.argmax() if greedy else _sample(row, table, e)))
        table.play_others(live)
        live = [e for e in live if table.learner_return(e) is None]
    returns = [table.learner_return(e) for e in range(table.num_envs)]
    return np.array(returns, dtype=np.float64).reshape(len(deal_seeds), n)


def _sample(logp: np.ndarray, table: ResponseGames, e: int) -> int:
    """An action drawn from one row of log-probabilities with slot ``e``'s generator."""
    return int(gumbel_sample(logp[None], table.slot_rng[e])[0])
