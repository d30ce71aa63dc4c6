"""Bridge to OpenSpiel (``pyspiel``) for the OpenSpiel configuration of Liar's Dice.

In that configuration (:data:`OPENSPIEL_PARAMS`) our engine and ``pyspiel.load_game("liars_dice")``
share action ids, chance outcomes, action strings and returns, so a history replays one-to-one.
This module provides:

* :func:`to_openspiel` / :func:`from_openspiel`: replay a history in the other engine;
* :func:`information_states`: every decision point's information state, with a representative
  history, in OpenSpiel's order-free form (24,576 of them), and
  :func:`information_observations`, our local observation at each (made once);
* :func:`policy_probabilities` / :func:`tabular_policy` / :func:`nash_conv`: a policy over OUR
  local observations at every information state, as an array or as an OpenSpiel tabular
  policy, and its exact NashConv with OpenSpiel's C++ best response (the reference;
  :func:`trainers.exact.policy_nash_conv` gives the same number 30x faster, tested);
  :func:`expected_returns`: the exact value of a match between such policies.

``pyspiel`` is imported lazily, so the rest of :mod:`games` does not need it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from games.core import Observation
from games.liars_dice import LiarsDiceGame, LiarsDiceState

OPENSPIEL_PARAMS: dict[str, Any] = {
    "players": 2,
    "dice": 1,
    "sides": 6,
    "wild": "highest",
    "mode": "single_round",
    "bidding_rule": "reset-face",
}
"""Our parameters that reproduce ``pyspiel.load_game("liars_dice")``."""

PolicyFn = Callable[[Sequence[Observation]], np.ndarray]
"""A batched policy: observations -> array (n, num_distinct_actions) of probabilities."""


def our_game() -> LiarsDiceGame:
    """Our engine in the OpenSpiel configuration."""
    return LiarsDiceGame(**OPENSPIEL_PARAMS)


def openspiel_game() -> Any:
    """``pyspiel.load_game("liars_dice")`` (open-spiel's defaults: 2 players, 1 die, 6 sides)."""
    import pyspiel

    return pyspiel.load_game("liars_dice")


def to_openspiel(history: Sequence[int], game: Any | None = None) -> Any:
    """The ``pyspiel`` state reached by ``history`` (ids are shared by both engines)."""
    state = (game or openspiel_game()).new_initial_state()
    for action in history:
        state.apply_action(int(action))
    return state


def from_openspiel(os_state: Any, game: LiarsDiceGame | None = None) -> LiarsDiceState:
    """Our state reached by the history of the ``pyspiel`` state ``os_state``."""
    state = (game or our_game()).new_initial_state()
    for action in os_state.history():
        state.apply_action(action)
    return state


@dataclass(frozen=True)
class InfoState:
    """One information state of the OpenSpiel configuration.

    Attributes:
        key: OpenSpiel's ``information_state_string`` (e.g. ``"3 1-4 2-2"``).
        player: the seat to act.
        history: a history reaching it (the opponent's die is arbitrary: it is not observed).
        legal_actions: the legal actions there.
    """

    key: str
    player: int
    history: tuple[int, ...]
    legal_actions: tuple[int, ...]


@cache
def information_states() -> tuple[InfoState, ...]:
    """Every information state of the OpenSpiel configuration, built by replay in OpenSpiel.

    Bids strictly increase, so a bid sequence is a subset of the 12 bids; the player to act
    is fixed by its length (seat 0 opens). The opponent is given the die 1.
    """
    game = openspiel_game()
    liar = our_game().liar
    out = []
    for die in range(6):
        for bids in bid_sequences(liar):
            player = len(bids) % 2
            deal = (die, 0) if player == 0 else (0, die)
            history = (*deal, *bids)
            os_state = to_openspiel(history, game)
            out.append(
                InfoState(
                    os_state.information_state_string(player),
                    player,
                    history,
                    tuple(os_state.legal_actions()),
                )
            )
    return tuple(out)


def tabular_policy(policy: PolicyFn, batch_size: int = 4096) -> dict[str, list[tuple[int, float]]]:
    """Evaluate ``policy`` on our local observation of every information state.

    Returns:
        ``{information_state_string: [(action, probability), ...]}`` over the legal actions,
        renormalised (a policy that puts mass on illegal actions gets it removed).

    Raises:
        ValueError: when the policy gives no mass to any legal action of some state.
    """
    probs = policy_probabilities(policy, batch_size)
    return {
        info.key: [(int(a), float(row[a])) for a in info.legal_actions]
        for info, row in zip(information_states(), probs, strict=True)
    }


def policy_probabilities(policy: PolicyFn, batch_size: int = 4096) -> np.ndarray:
    """``policy``'s probabilities at every information state ``[24576, A]``, in the order of
    :func:`information_states` (the die, then the bids): negative values clipped to 0, 0 on
    illegal actions, each row renormalised over the legal actions in float64.

    Raises:
        ValueError: when the policy gives no mass to any legal action of some state.
    """
    infos, observations = information_states(), information_observations()
    legal = np.stack([o.legal_mask for o in observations]).astype(bool)
    out = np.zeros(legal.shape)
    for start in range(0, len(infos), batch_size):
        obs = [_fresh(o) for o in observations[start : start + batch_size]]
        out[start : start + len(obs)] = np.asarray(policy(obs), dtype=np.float64)
    out = np.where(legal, np.clip(out, 0.0, None), 0.0)
    total = out.sum(axis=1, keepdims=True)
    bad = ~(np.isfinite(total[:, 0]) & (total[:, 0] > 0.0))
    if bad.any():
        key = infos[int(np.flatnonzero(bad)[0])].key
        raise ValueError(f"policy gives no probability to a legal action at {key!r}")
    return out / total


@cache
def information_observations() -> tuple[Observation, ...]:
    """Our local observation at each of :func:`information_states` (in that order).

    They do not depend on the policy, so they are made once (the replays cost more than most
    policies); :func:`tabular_policy` hands each policy copies, so none can alter them.
    """
    game = our_game()
    return tuple(
        _replay(game, info.history).observation(info.player) for info in information_states()
    )


def _fresh(obs: Observation) -> Observation:
    """A copy of ``obs`` with arrays of its own."""
    return Observation(obs.player, obs.tensor.copy(), obs.legal_mask.copy(), obs.text)


def _replay(game: LiarsDiceGame, history: Sequence[int]) -> LiarsDiceState:
    state = game.new_initial_state()
    for action in history:
        state.apply_action(action)
    return state


def nash_conv(policy: PolicyFn) -> float:
    """Exact NashConv of ``policy`` in the OpenSpiel configuration (OpenSpiel's C++ code).

    NashConv is the sum over players of the gain of a best response; exploitability is half.
    The uniform random policy scores 1.5615.
    """
    import pyspiel

    return float(pyspiel.nash_conv(openspiel_game(), tabular_policy(policy)))


def expected_returns(policies: Sequence[PolicyFn | dict]) -> list[float]:
    """Exact expected returns when seat ``i`` plays ``policies[i]`` (OpenSpiel's tree walk).

    Each policy is a :data:`PolicyFn` or a table already made by :func:`tabular_policy`.
    """
    import pyspiel

    game = openspiel_game()
    tables = [
        pyspiel.TabularPolicy(p if isinstance(p, dict) else tabular_policy(p)) for p in policies
    ]
    return list(pyspiel.expected_returns(game.new_initial_state(), tables, -1, True))


def uniform_policy(observations: Sequence[Observation]) -> np.ndarray:
    """The uniform random policy over legal actions (a :data:`PolicyFn`)."""
    masks = np.stack([o.legal_mask for o in observations]).astype(np.float64)
    return masks / masks.sum(axis=1, keepdims=True)


def bid_sequences(num_bids: int) -> itertools.chain[tuple[int, ...]]:
    """Every strictly increasing sequence of bid ids below ``num_bids`` (the empty one first)."""
    return itertools.chain.from_iterable(
        itertools.combinations(range(num_bids), k) for k in range(num_bids + 1)
    )
