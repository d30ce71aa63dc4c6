"""Evaluation of an actor during training: win rates against agents, and exact NashConv.

Win rates are measured with the actor in one seat (rotating over seats game by game) and the
opponent agent in every other seat, many games in lockstep with one batched actor call per
step. The opponents are real agents (``agents.load_agent``) fed local observations only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

from agents.base import load_agent
from games import openspiel as bridge
from games.core import Game, Observation
from trainers.rollout import gumbel_sample, masked_log_softmax

Logits = Callable[[torch.Tensor], torch.Tensor]


def is_openspiel_config(game: Game) -> bool:
    """Whether ``game`` is Liar's Dice in the OpenSpiel configuration."""
    return game.name == "liars_dice" and game.params == bridge.OPENSPIEL_PARAMS


@torch.no_grad()
def policy_fn(actor: Logits) -> Callable[[Sequence[Observation]], np.ndarray]:
    """A batched policy over observations (for :func:`games.openspiel.nash_conv`)."""

    def probs(observations: Sequence[Observation]) -> np.ndarray:
        obs = torch.from_numpy(np.stack([o.tensor for o in observations]))
        mask = torch.from_numpy(np.stack([o.legal_mask for o in observations]).astype(bool))
        return masked_log_softmax(actor(obs), mask).exp().double().numpy()

    return probs


def nash_conv(actor: Logits) -> float:
    """Exact NashConv of the actor's policy in the OpenSpiel configuration."""
    with torch.no_grad():
        return bridge.nash_conv(policy_fn(actor))


@torch.no_grad()
def win_rate(
    actor: Logits, game: Game, opponent: str, games: int, seed: int
) -> tuple[float, float]:
    """The actor's win rate against ``opponent`` in all other seats, and its 95% half-width."""
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
        _learner_moves(actor, states, mine, learner, rng)
        taken = set(mine)
        for g in live:
            if g not in taken:
                seat = states[g].current_player()
                states[g].apply_action(int(agents[g][seat].act(states[g].observation(seat))))
    wins = np.array([_won(states[g], learner[g]) for g in range(games)], dtype=float)
    rate = float(wins.mean())
    return rate, 1.96 * math.sqrt(max(rate * (1 - rate), 1e-12) / games)


def _resolve(states, live, rng) -> None:
    for g in live:
        state = states[g]
        while state.is_chance_node():
            state.apply_action(state.sample_chance(rng))


def _learner_moves(actor: Logits, states, mine: list[int], learner, rng) -> None:
    if not mine:
        return
    obs = torch.from_numpy(np.stack([states[g].observation_tensor(learner[g]) for g in mine]))
    mask = torch.from_numpy(np.stack([states[g].legal_actions_mask() for g in mine]).astype(bool))
    actions = gumbel_sample(masked_log_softmax(actor(obs), mask).numpy(), rng)
    for g, a in zip(mine, actions, strict=True):
        states[g].apply_action(int(a))


def _won(state, seat: int) -> bool:
    returns = state.returns()
    return returns[seat] == max(returns) and returns.count(max(returns)) == 1


def evaluate(
    actor: Logits,
    game: Game,
    games: int,
    seed: int,
    opponents: Sequence[str] = ("random", "heuristic"),
) -> dict[str, float]:
    """Win rates against each opponent, and NashConv in the OpenSpiel configuration."""
    out: dict[str, float] = {}
    for opponent in opponents:
        rate, half = win_rate(actor, game, opponent, games, seed)
        out[f"win_vs_{opponent}"] = rate
        out[f"win_vs_{opponent}_ci"] = half
    if is_openspiel_config(game):
        out["nash_conv"] = nash_conv(actor)
    return out
