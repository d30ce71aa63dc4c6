"""Self-play data collection over many games at once, with batched network calls.

``num_envs`` games are stepped in lockstep; at every step each game has one seat to act (chance
is resolved at once). A finished game is replaced by a new one, so games run across updates.
Who plays each seat, and the games themselves, are :class:`~trainers.selfplay.SelfPlayGames`
(per-game states, or the batched engine of :mod:`trainers.engines`: the same games either way).

Buffers have explicit shapes ``[T, E, ...]`` (T steps per update, E games).

What the networks are given (``inputs`` of :func:`collect`, one of :data:`POLICY_INPUTS`):
``obs`` the acting seat's local observation (CTDE); ``views`` every seat's local observation
of the same game at the same decision, acting seat first, with the mask of the seats still in
the game (CADP's advice exchange); ``global`` the global state and the acting seat (CTEDD's
global policy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from games.core import State
from trainers.gae import gae
from trainers.guards import check_finite
from trainers.masking import masked_log_softmax
from trainers.selfplay import Opponents, SelfPlayGames

if TYPE_CHECKING:
    from trainers.shaping import Potential
    from trainers.teacher import Teacher

__all__ = [
    "POLICY_INPUTS",
    "Batch",
    "Opponents",
    "SelfPlayGames",
    "ValueFn",
    "collect",
    "gae",
    "gumbel_sample",
    "masked_log_softmax",
    "seats_in_game",
    "views_of",
]
"""``gae``, ``masked_log_softmax``, ``Opponents`` and ``SelfPlayGames`` live in
:mod:`trainers.gae`, :mod:`trainers.masking` and :mod:`trainers.selfplay`; they are named here
too for the modules that import them from here."""

PolicyLogits = Callable[..., torch.Tensor]
"""A network call: its inputs (see :data:`POLICY_INPUTS`), batch first -> logits [B, A]."""

POLICY_INPUTS = ("obs", "views", "global")
"""``obs``: ``(obs [B, obs_dim],)``; ``views``: ``(views [B, P, obs_dim], alive [B, P])``;
``global``: ``(state [B, state_dim], seat [B])``."""


@dataclass
class Batch:
    """One update's worth of decisions (numpy arrays, ``[T, E, ...]``).

    Attributes:
        obs: local observation of the acting seat.
        state: global state (for a global critic; empty otherwise).
        mask: legal actions.
        action, logp: the sampled action and its log-probability.
        seat: the acting seat (absolute).
        learner: whether the decision is the learner's (trained on) or a snapshot's.
        done: whether the game ended right after this decision.
        returns: the game's returns when ``done`` (zeros otherwise), ``[T, E, P]``.
        final_in: the critic's inputs at the final states (games still running): their
            global states ``[E, state_dim]`` or every seat's observation ``[E, P, obs_dim]``.
        value: the critic's value of the acting seat (None until :meth:`ValueFn.fill`).
        bootstrap: every seat's value at the final states ``[E, P]`` (None until
            :meth:`ValueFn.fill`).
        views: with ``inputs="views"``, every seat's local observation ``[T, E, P, obs_dim]``
            at that decision, rotated so that the acting seat comes first (None otherwise).
        alive: with ``inputs="views"``, which of those seats are still in the game
            ``[T, E, P]`` (None otherwise).
        potential: with reward shaping, every seat's potential at that decision ``[T, E, P]``
            (:mod:`trainers.shaping`; None otherwise).
        bootstrap_potential: with reward shaping, every seat's potential at the final states
            ``[E, P]`` (None otherwise).
        teacher: with a teacher (:mod:`trainers.teacher`), its action probabilities at the
            learner's decisions ``[T, E, A]`` (zeros at the others; None without one).
    """

    obs: np.ndarray
    state: np.ndarray
    mask: np.ndarray
    action: np.ndarray
    logp: np.ndarray
    seat: np.ndarray
    learner: np.ndarray
    done: np.ndarray
    returns: np.ndarray
    final_in: np.ndarray | None = None
    value: np.ndarray | None = None
    bootstrap: np.ndarray | None = None
    views: np.ndarray | None = None
    alive: np.ndarray | None = None
    potential: np.ndarray | None = None
    bootstrap_potential: np.ndarray | None = None
    teacher: np.ndarray | None = None


def gumbel_sample(logp: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sample one action per row of log-probabilities (Gumbel-max, seeded by ``rng``)."""
    return np.argmax(logp + rng.gumbel(size=logp.shape), axis=1)


def seats_in_game(state: State) -> np.ndarray:
    """Which seats are still in the game at a decision ``state`` ``[P]``: those whose return
    is not yet decided (:meth:`~games.core.State.final_return`; the seat to act always is).
    """
    n = state.game.num_players
    alive = np.array([state.final_return(seat) is None for seat in range(n)], dtype=bool)
    if state.current_player() >= 0:
        alive[state.current_player()] = True
    return alive


def views_of(states: Sequence[State], seats: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every seat's local observation in each state, the acting seat first, and who is in.

    Row ``b`` holds the seats ``seats[b], seats[b] + 1, ...`` (mod P) of ``states[b]`` only:
    the group of one game at one decision point.

    Returns:
        ``(views [B, P, obs_dim], alive [B, P])``.
    """
    n = states[0].game.num_players
    order = [[(int(seat) + k) % n for k in range(n)] for seat in seats]
    views = np.stack(
        [np.stack([s.observation_tensor(p) for p in o]) for s, o in zip(states, order, strict=True)]
    )
    alive = np.stack([seats_in_game(s)[o] for s, o in zip(states, order, strict=True)])
    return views, alive


class ValueFn:
    """The critic as the rollout sees it: values of seats, from global or local inputs."""

    def __init__(self, critic: torch.nn.Module, use_global: bool) -> None:
        self.critic = critic
        self.use_global = use_global

    def fill(self, batch: Batch) -> Batch:
        """``batch`` with its values: the acting seat's at every decision (one call per step:
        on Skull's 512 games, 11 ms for 8 steps against 12 ms for one call of all of them)
        and every seat's at the final states."""
        steps = zip(batch.obs, batch.state, batch.seat, strict=True)
        batch.value = np.stack([self.acting(obs, state, seat) for obs, state, seat in steps])
        batch.bootstrap = self.final_values(batch.final_in)
        return batch

    def final_inputs(self, games_: SelfPlayGames) -> np.ndarray:
        """What :meth:`final_values` reads of the games as they are now: their global states
        ``[E, state_dim]``, or every seat's observation ``[E, P, obs_dim]``."""
        if self.use_global:
            return games_.global_states()
        n = games_.game.num_players
        return np.stack([games_.observations([p] * games_.num_envs) for p in range(n)], axis=1)

    @torch.no_grad()
    def final_values(self, final_in: np.ndarray) -> np.ndarray:
        """Every seat's value ``[E, P]`` from :meth:`final_inputs` (for bootstrapping)."""
        if self.use_global:
            return self.critic(torch.from_numpy(final_in)).numpy()
        cols = [
            self.critic(torch.from_numpy(final_in[:, p])).numpy()[:, 0]
            for p in range(final_in.shape[1])
        ]
        return np.stack(cols, axis=1)

    @torch.no_grad()
    def acting(self, obs: np.ndarray, state: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """Value of the acting seat of each game."""
        if self.use_global:
            values = self.critic(torch.from_numpy(state)).numpy()
            return values[np.arange(len(seats)), seats]
        return self.critic(torch.from_numpy(obs)).numpy()[:, 0]


Pool = Sequence[PolicyLogits] | Mapping[int, PolicyLogits]
"""Past snapshots, by the key games hold (``SelfPlayGames.opponent``)."""


@torch.no_grad()
def _policy_logp(
    actor: PolicyLogits,
    pool: Pool,
    games_: SelfPlayGames,
    inputs: tuple[np.ndarray, ...],
    mask: np.ndarray,
    seats: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Log-probabilities of the policy acting in each game; and whether it is the learner.

    Raises:
        NonFiniteError: the logits are NaN or infinite (a diverged network).
    """
    net_in, mask_t = tuple(torch.from_numpy(x) for x in inputs), torch.from_numpy(mask)
    logits = actor(*net_in)
    check_finite({"the actor's logits": logits})
    logp = masked_log_softmax(logits, mask_t)
    learner = games_.learner[np.arange(games_.num_envs), seats]
    for k in np.unique(games_.opponent[~learner]):
        if k < 0:
            continue  # fixed agents choose their moves themselves
        rows = torch.from_numpy(np.flatnonzero(~learner & (games_.opponent == k)))
        logits = pool[int(k)](*(x[rows] for x in net_in))
        logp[rows] = masked_log_softmax(logits, mask_t[rows])
    return logp.numpy(), learner


NET_INPUTS = {"obs": ("obs",), "views": ("views", "alive"), "global": ("state", "seat")}
"""The batch fields given to the networks for each of :data:`POLICY_INPUTS`, in order."""


def _observe(
    games_: SelfPlayGames, seats: np.ndarray, use_state: bool, inputs: str
) -> dict[str, np.ndarray]:
    """What the networks and the batch need of this decision (fields of :class:`Batch`)."""
    e_ = games_.num_envs
    seen = {"obs": games_.observations(seats), "mask": games_.masks(), "seat": seats}
    seen["state"] = games_.global_states() if use_state else np.zeros((e_, 0), np.float32)
    if inputs == "views":
        seen["views"], seen["alive"] = games_.views(seats)
    return seen


def collect(
    games_: SelfPlayGames,
    actor: PolicyLogits,
    value_fn: ValueFn,
    pool: Pool,
    steps: int,
    mix: Opponents,
    inputs: str = "obs",
    potential: Potential | None = None,
    teacher: Teacher | None = None,
    values: bool = True,
) -> Batch:
    """Play ``steps`` decisions in every game and return the batch.

    Args:
        value_fn: the critic; collection itself never calls it (it may be learning meanwhile),
            it records the critic's inputs and, with ``values``, asks for the values at the
            end (:meth:`ValueFn.fill`).
        inputs: what ``actor`` and ``pool`` are given (:data:`POLICY_INPUTS`); with
            ``views`` the batch also records ``views`` and ``alive``.
        potential: the reward shaping potential (:mod:`trainers.shaping`); with one the batch
            also records ``potential`` and ``bootstrap_potential``.
        teacher: with one, the batch records its policy at the learner's decisions
            (:mod:`trainers.teacher`).
        values: fill in the critic's values (else ``value`` and ``bootstrap`` are left None
            for :meth:`ValueFn.fill`).
    """
    if inputs not in POLICY_INPUTS:
        raise ValueError(f"inputs must be one of {', '.join(POLICY_INPUTS)}, got {inputs!r}")
    e_ = games_.num_envs
    use_state = value_fn.use_global or inputs == "global"
    cols: dict[str, list[np.ndarray]] = {k: [] for k in Batch.__dataclass_fields__}
    for _ in range(steps):
        seats = games_.seats()
        seen = _observe(games_, seats, use_state, inputs)
        if potential is not None:
            seen["potential"] = games_.potentials(potential)
        net_in = tuple(seen[k] for k in NET_INPUTS[inputs])
        logp_all, learner = _policy_logp(actor, pool, games_, net_in, seen["mask"], seats)
        if teacher is not None:
            seen["teacher"] = _teacher_probs(teacher, games_, seen, learner)
        action = gumbel_sample(logp_all, games_.rng)
        games_.fixed_moves(action, seen, learner, mix)
        done, returns = games_.step(action, mix)
        seen.update(
            action=action,
            learner=learner,
            logp=logp_all[np.arange(e_), action],
            done=done,
            returns=returns,
        )
        for key, column in seen.items():
            cols[key].append(column)
    stacked = {k: np.stack(v) for k, v in cols.items() if v}
    if potential is not None:
        stacked["bootstrap_potential"] = games_.potentials(potential)
    batch = Batch(**stacked, final_in=value_fn.final_inputs(games_))
    return value_fn.fill(batch) if values else batch


def _teacher_probs(
    teacher: Teacher, games_: SelfPlayGames, seen: dict[str, np.ndarray], learner: np.ndarray
) -> np.ndarray:
    """The teacher's policy at the learner's decisions ``[E, A]`` (zeros elsewhere): in one
    call where the teacher has a batch policy (:attr:`Teacher.batch_policy`)."""
    rows, observations = np.flatnonzero(learner), []
    batch_policy = teacher.batch_policy
    if batch_policy is not None:
        out = np.zeros((games_.num_envs, teacher.num_actions), dtype=np.float32)
        out[rows] = batch_policy(seen["obs"][rows], seen["mask"][rows].astype(np.int8))
        return out
    for e in rows:
        seat = int(seen["seat"][e])
        agent = teacher.agents[seat]
        observations.append(
            games_.agent_observation(int(e), seat, seen["obs"][e], seen["mask"][e], agent)
        )
    return teacher.policies(observations, rows, games_.num_envs)
