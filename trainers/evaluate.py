"""Evaluation of an actor during training: win rates against agents, and exact NashConv.

Win rates are measured with the policy in one seat (rotating over seats game by game) and the
opponent agent in every other seat, many games in lockstep with one batched policy call per
step. The opponents are real agents (``agents.load_agent``) fed local observations only. Each
rate comes with its 95% Wilson score interval (``scipy.stats.binomtest``), which stays inside
[0, 1] and keeps its coverage near 0 and 1, where the normal approximation collapses to a
zero-width interval.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import torch
from scipy.stats import binomtest

from agents.base import load_agent
from games import openspiel as bridge
from games.core import Game, Observation, State
from trainers.exact import policy_nash_conv
from trainers.rollout import gumbel_sample, masked_log_softmax

Logits = Callable[[torch.Tensor], torch.Tensor]


def is_openspiel_config(game: Game) -> bool:
    """Whether ``game`` is Liar's Dice in the OpenSpiel configuration."""
    return game.name == "liars_dice" and game.params == bridge.OPENSPIEL_PARAMS


def policy_fn(actor: Logits) -> Callable[[Sequence[Observation]], np.ndarray]:
    """A batched policy over observations (a :data:`games.openspiel.PolicyFn`)."""

    @torch.no_grad()
    def probs(observations: Sequence[Observation]) -> np.ndarray:
        obs = torch.from_numpy(np.stack([o.tensor for o in observations]))
        mask = torch.from_numpy(np.stack([o.legal_mask for o in observations]).astype(bool))
        return masked_log_softmax(actor(obs), mask).exp().double().numpy()

    return probs


def nash_conv(actor: Logits) -> float:
    """Exact NashConv of the actor's policy in the OpenSpiel configuration (on the tree:
    :func:`trainers.exact.policy_nash_conv`)."""
    with torch.no_grad():
        return policy_nash_conv(policy_fn(actor))


StateLogits = Callable[[Sequence[State]], torch.Tensor]
"""A policy that may read the whole state: states (each with a seat to act) -> logits [B, A].

Trainers use it to evaluate what only exists in training (CADP(C) reads every seat's
observation, CTEDD's global policy the global state); a deployable actor reads only the local
observation (:func:`local_policy`)."""


def local_policy(actor: Logits) -> StateLogits:
    """The actor as a state policy: the acting seat's local observation only."""

    def logits(states: Sequence[State]) -> torch.Tensor:
        obs = np.stack([s.observation_tensor(s.current_player()) for s in states])
        return actor(torch.from_numpy(obs))

    return logits


def state_log_probs(policy: StateLogits, states: Sequence[State]) -> np.ndarray:
    """Masked log-probabilities of the seat to act in each state ``[B, A]``."""
    mask = torch.from_numpy(np.stack([s.legal_actions_mask() for s in states]).astype(bool))
    with torch.no_grad():
        return masked_log_softmax(policy(states), mask).numpy()


class WinRate(NamedTuple):
    """A win rate over ``games`` games and its 95% Wilson score interval ``[low, high]``."""

    rate: float
    low: float
    high: float
    games: int

    @classmethod
    def of(cls, wins: int, games: int) -> WinRate:
        """The rate of ``wins`` in ``games`` (at least one) and its interval."""
        interval = binomtest(wins, games).proportion_ci(confidence_level=0.95, method="wilson")
        return cls(wins / games, float(interval.low), float(interval.high), games)


@torch.no_grad()
def state_win_rate(
    policy: StateLogits, game: Game, opponent: str, games: int, seed: int
) -> WinRate:
    """Win rate of ``policy`` in one seat (rotating) against ``opponent`` in every other seat,
    with its 95% Wilson interval. The opponents get their own observation only."""
    rng = np.random.default_rng(seed)
    n = game.num_players
    states = [game.new_initial_state() for _ in range(games)]
    learner = np.arange(games) % n
    agents = [[load_agent(opponent) for _ in range(n)] for _ in range(games)]
    for seats in agents:
        for seat, agent in enumerate(seats):
            agent.reset(game, seat, int(rng.integers(2**31)))
    live = list(range(games))
    while live:
        _resolve(states, live, rng)
        live = [g for g in live if not states[g].is_terminal()]
        mine = [g for g in live if states[g].current_player() == learner[g]]
        if mine:
            logp = state_log_probs(policy, [states[g] for g in mine])
            for g, a in zip(mine, gumbel_sample(logp, rng), strict=True):
                states[g].apply_action(int(a))
        taken = set(mine)
        for g in live:
            if g not in taken:
                seat = states[g].current_player()
                states[g].apply_action(int(agents[g][seat].act(states[g].observation(seat))))
    return WinRate.of(sum(_won(states[g], learner[g]) for g in range(games)), games)


def win_rate(actor: Logits, game: Game, opponent: str, games: int, seed: int) -> WinRate:
    """The actor's win rate against ``opponent`` in all other seats, with its 95% Wilson
    interval."""
    return state_win_rate(local_policy(actor), game, opponent, games, seed)


def _resolve(states, live, rng) -> None:
    for g in live:
        state = states[g]
        while state.is_chance_node():
            state.apply_action(state.sample_chance(rng))


def _won(state, seat: int) -> bool:
    returns = state.returns()
    return returns[seat] == max(returns) and returns.count(max(returns)) == 1


def evaluate(
    actor: Logits,
    game: Game,
    games: int,
    seed: int,
    opponents: Sequence[str] = ("random", "heuristic"),
    with_nash_conv: bool = True,
) -> dict[str, float]:
    """Win rates against each opponent (``win_vs_NAME``) with their 95% Wilson intervals
    (``win_vs_NAME_low``, ``win_vs_NAME_high``), and NashConv in the OpenSpiel configuration
    (unless ``with_nash_conv`` is false: a caller that has it already)."""
    out: dict[str, float] = {}
    for opponent in opponents:
        result = win_rate(actor, game, opponent, games, seed)
        out[f"win_vs_{opponent}"] = result.rate
        out[f"win_vs_{opponent}_low"] = result.low
        out[f"win_vs_{opponent}_high"] = result.high
    if with_nash_conv and is_openspiel_config(game):
        out["nash_conv"] = nash_conv(actor)
    return out
