"""Self-play data collection over many games at once, with batched network calls.

``num_envs`` games are stepped in lockstep; at every step each game has one seat to act (chance
nodes are resolved at once from the rollout's generator). A finished game is replaced by a new
one, so games run across updates. Each new game either seats the current policy everywhere
(every seat is a *learner* whose decisions are trained on), or, with probability ``pool_prob``,
one learner seat against a past snapshot of the policy in every other seat, or, with
probability ``agent_prob``, one learner seat against a fixed agent (e.g. ``heuristic``) in
every other seat. Fixed agents act from their local observation like any agent. A game with
one learner seat ends as soon as that seat is out (its return is decided then): the rest of
it would cost decisions and teach nothing.

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

from agents.base import Agent, load_agent
from games.core import Game, State
from trainers.guards import check_finite
from trainers.shaping import Potential, potentials

if TYPE_CHECKING:
    from trainers.teacher import Teacher

PolicyLogits = Callable[..., torch.Tensor]
"""A network call: its inputs (see :data:`POLICY_INPUTS`), batch first -> logits [B, A]."""

POLICY_INPUTS = ("obs", "views", "global")
"""``obs``: ``(obs [B, obs_dim],)``; ``views``: ``(views [B, P, obs_dim], alive [B, P])``;
``global``: ``(state [B, state_dim], seat [B])``."""

NEG_INF = -1e9


@dataclass(frozen=True)
class Opponents:
    """How new games are seated (see the module docstring).

    Attributes:
        pool_size: snapshots new games may draw.
        pool_prob: probability of a game against a snapshot (when the pool is not empty).
        agents: specs of fixed opponent agents.
        agent_prob: probability of a game against one of ``agents``.
        pool_ids: the keys, in the pool given to :func:`collect`, of the snapshots new games
            may draw (None: ``0 .. pool_size - 1``, a list's indices). A game keeps the key
            drawn until it ends, whatever happens to the pool meanwhile.
    """

    pool_size: int = 0
    pool_prob: float = 0.0
    agents: tuple[str, ...] = ()
    agent_prob: float = 0.0
    pool_ids: tuple[int, ...] | None = None

    @property
    def snapshot_ids(self) -> tuple[int, ...]:
        """The keys of the snapshots new games may draw."""
        return tuple(range(self.pool_size)) if self.pool_ids is None else self.pool_ids


@dataclass
class Batch:
    """One update's worth of decisions (numpy arrays, ``[T, E, ...]``).

    Attributes:
        obs: local observation of the acting seat.
        state: global state (for a global critic; empty otherwise).
        mask: legal actions.
        action, logp: the sampled action and its log-probability.
        value: the critic's value of the acting seat.
        seat: the acting seat (absolute).
        learner: whether the decision is the learner's (trained on) or a snapshot's.
        done: whether the game ended right after this decision.
        returns: the game's returns when ``done`` (zeros otherwise), ``[T, E, P]``.
        bootstrap: every seat's value at the final states (games still running), ``[E, P]``.
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
    value: np.ndarray
    seat: np.ndarray
    learner: np.ndarray
    done: np.ndarray
    returns: np.ndarray
    bootstrap: np.ndarray
    views: np.ndarray | None = None
    alive: np.ndarray | None = None
    potential: np.ndarray | None = None
    bootstrap_potential: np.ndarray | None = None
    teacher: np.ndarray | None = None


def masked_log_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities with illegal actions at a large negative value."""
    return torch.log_softmax(logits.masked_fill(~mask, NEG_INF), dim=-1)


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


class SelfPlayGames:
    """The games being played, their seating, and the generator of all their randomness."""

    def __init__(self, game: Game, num_envs: int, rng: np.random.Generator) -> None:
        self.game = game
        self.rng = rng
        self.num_envs = num_envs
        n = game.num_players
        self.states: list[State] = [game.new_initial_state() for _ in range(num_envs)]
        self.learner = np.ones((num_envs, n), dtype=bool)
        """Seats played by the current policy."""
        self.opponent = np.full(num_envs, -1, dtype=np.int64)
        """Who plays the non-learner seats: a snapshot's key in the pool (>= 0), -1 none
        (self-play), or fixed agent ``j`` coded as ``-2 - j``."""
        self.fixed: dict[tuple[int, int, str], Agent] = {}
        """Fixed opponent agents by (game slot, seat, spec), reused across games."""
        self.fixed_seeds: dict[int, tuple[str, list[int]]] = {}
        """Per game slot against fixed agents: their spec and per-seat reset seeds."""
        for e in range(num_envs):
            self._resolve_chance(e)

    def _resolve_chance(self, e: int) -> None:
        state = self.states[e]
        while state.is_chance_node():
            state.apply_action(state.sample_chance(self.rng))

    def new_game(self, e: int, mix: Opponents) -> None:
        """Start a new game in slot ``e`` and draw its seating."""
        self.states[e] = self.game.new_initial_state()
        n = self.game.num_players
        u = self.rng.random()
        self.learner[e] = True
        self.opponent[e] = -1
        ids = mix.snapshot_ids
        if ids and u < mix.pool_prob:
            self.opponent[e] = ids[int(self.rng.integers(len(ids)))]
        elif mix.agents and u < mix.pool_prob + mix.agent_prob:
            j = int(self.rng.integers(len(mix.agents)))
            self.opponent[e] = -2 - j
            self._reset_fixed(e, mix.agents[j])
        if self.opponent[e] != -1:
            self.learner[e] = False
            self.learner[e, self.rng.integers(n)] = True
        self._resolve_chance(e)

    def _reset_fixed(self, e: int, spec: str, seeds: list[int] | None = None) -> None:
        n = self.game.num_players
        seeds = seeds or [int(s) for s in self.rng.integers(2**31, size=n)]
        self.fixed_seeds[e] = (spec, seeds)
        for seat in range(n):
            key = (e, seat, spec)
            if key not in self.fixed:
                self.fixed[key] = load_agent(spec)
            self.fixed[key].reset(self.game, seat, seeds[seat])

    def fixed_action(self, e: int, seat: int, spec: str) -> int:
        """The move of the fixed agent ``spec`` in seat ``seat`` of game slot ``e``."""
        state = self.states[e]
        return int(self.fixed[(e, seat, spec)].act(state.observation(seat)))

    def seats(self) -> np.ndarray:
        """The seat to act in every game."""
        return np.fromiter((s.current_player() for s in self.states), np.int64, self.num_envs)

    def observations(self, seats: Sequence[int]) -> np.ndarray:
        """Local observations of the given seats, one per game ``[E, obs_dim]``."""
        return np.stack(
            [s.observation_tensor(int(p)) for s, p in zip(self.states, seats, strict=True)]
        )

    def masks(self) -> np.ndarray:
        """Legal masks of the seats to act ``[E, A]``."""
        return np.stack([s.legal_actions_mask() for s in self.states]).astype(bool)

    def global_states(self) -> np.ndarray:
        """Global states ``[E, state_dim]``."""
        return np.stack([s.global_state_tensor() for s in self.states])

    def to_json(self) -> dict:
        """Everything needed to rebuild the games exactly (for checkpoints)."""
        return {
            "histories": [s.history() for s in self.states],
            "learner": self.learner.tolist(),
            "opponent": self.opponent.tolist(),
            "fixed": {str(e): [spec, seeds] for e, (spec, seeds) in self.fixed_seeds.items()},
            "fixed_rng": [
                [e, seat, spec, _rng_state(agent)] for (e, seat, spec), agent in self.fixed.items()
            ],
            "rng": self.rng.bit_generator.state,
        }

    @classmethod
    def from_json(cls, game: Game, data: dict) -> SelfPlayGames:
        """Rebuild the games saved by :meth:`to_json` (replaying their histories)."""
        rng = np.random.default_rng()
        rng.bit_generator.state = data["rng"]
        games_ = cls.__new__(cls)
        games_.game, games_.rng, games_.num_envs = game, rng, len(data["histories"])
        games_.states = []
        for history in data["histories"]:
            state = game.new_initial_state()
            for action in history:
                state.apply_action(action)
            games_.states.append(state)
        games_.learner = np.array(data["learner"], dtype=bool)
        games_.opponent = np.array(data["opponent"], dtype=np.int64)
        games_.fixed, games_.fixed_seeds = {}, {}
        for e, (spec, seeds) in data.get("fixed", {}).items():
            if games_.opponent[int(e)] <= -2:
                games_._reset_fixed(int(e), spec, seeds)
        for e, seat, spec, state in data.get("fixed_rng", []):
            key = (e, seat, spec)
            if key not in games_.fixed:
                games_.fixed[key] = load_agent(spec)
            if state is not None:
                games_.fixed[key].rng.bit_generator.state = state
        return games_


def _rng_state(agent: Agent) -> dict | None:
    """The state of an agent's numpy generator (``BaseAgent.rng``), if it has one."""
    rng = getattr(agent, "rng", None)
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else None


class ValueFn:
    """The critic as the rollout sees it: values of seats, from global or local inputs."""

    def __init__(self, critic: torch.nn.Module, use_global: bool) -> None:
        self.critic = critic
        self.use_global = use_global

    @torch.no_grad()
    def acting(self, obs: np.ndarray, state: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """Value of the acting seat of each game."""
        if self.use_global:
            values = self.critic(torch.from_numpy(state)).numpy()
            return values[np.arange(len(seats)), seats]
        return self.critic(torch.from_numpy(obs)).numpy()[:, 0]

    @torch.no_grad()
    def all_seats(self, games_: SelfPlayGames) -> np.ndarray:
        """Every seat's value in every game ``[E, P]`` (for bootstrapping)."""
        if self.use_global:
            return self.critic(torch.from_numpy(games_.global_states())).numpy()
        n = games_.game.num_players
        cols = [
            self.critic(torch.from_numpy(games_.observations([p] * games_.num_envs))).numpy()[:, 0]
            for p in range(n)
        ]
        return np.stack(cols, axis=1)


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
        seen["views"], seen["alive"] = views_of(games_.states, seats)
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
) -> Batch:
    """Play ``steps`` decisions in every game and return the batch.

    Args:
        inputs: what ``actor`` and ``pool`` are given (:data:`POLICY_INPUTS`); with
            ``views`` the batch also records ``views`` and ``alive``.
        potential: the reward shaping potential (:mod:`trainers.shaping`); with one the batch
            also records ``potential`` and ``bootstrap_potential``.
        teacher: with one, the batch records its policy at the learner's decisions
            (:mod:`trainers.teacher`).
    """
    if inputs not in POLICY_INPUTS:
        raise ValueError(f"inputs must be one of {', '.join(POLICY_INPUTS)}, got {inputs!r}")
    e_, p_ = games_.num_envs, games_.game.num_players
    use_state = value_fn.use_global or inputs == "global"
    cols: dict[str, list[np.ndarray]] = {k: [] for k in Batch.__dataclass_fields__}
    for _ in range(steps):
        seats = games_.seats()
        seen = _observe(games_, seats, use_state, inputs)
        if potential is not None:
            seen["potential"] = potentials(games_.states, potential, p_)
        net_in = tuple(seen[k] for k in NET_INPUTS[inputs])
        logp_all, learner = _policy_logp(actor, pool, games_, net_in, seen["mask"], seats)
        if teacher is not None:
            seen["teacher"] = teacher.probs(games_.states, seats, np.flatnonzero(learner))
        action = gumbel_sample(logp_all, games_.rng)
        _fixed_moves(games_, action, seats, learner, mix)
        value = value_fn.acting(seen["obs"], seen["state"], seats)
        done, returns = _apply(games_, action, mix)
        seen.update(
            action=action,
            learner=learner,
            logp=logp_all[np.arange(e_), action],
            value=value,
            done=done,
            returns=returns,
        )
        for key, column in seen.items():
            cols[key].append(column)
    stacked = {k: np.stack(v) for k, v in cols.items() if v}
    if potential is not None:
        stacked["bootstrap_potential"] = potentials(games_.states, potential, p_)
    return Batch(**stacked, bootstrap=value_fn.all_seats(games_).reshape(e_, p_))


def _fixed_moves(
    games_: SelfPlayGames,
    action: np.ndarray,
    seats: np.ndarray,
    learner: np.ndarray,
    mix: Opponents,
) -> None:
    """Replace, in place, the sampled moves of seats played by fixed agents."""
    for e in np.flatnonzero(~learner & (games_.opponent <= -2)):
        spec = mix.agents[-2 - int(games_.opponent[e])]
        action[e] = games_.fixed_action(int(e), int(seats[e]), spec)


def _apply(
    games_: SelfPlayGames, actions: np.ndarray, mix: Opponents
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one action per game; restart finished games. Returns (done, returns).

    A game against opponents (snapshots or fixed agents) also finishes as soon as every learner
    seat is out (:meth:`~games.core.State.final_return`): the rest of it would teach nothing.
    Its ``returns`` row then holds the learner seats' final returns and 0 for the others.
    """
    done = np.zeros(games_.num_envs, dtype=bool)
    returns = np.zeros((games_.num_envs, games_.game.num_players), dtype=np.float32)
    for e, (state, action) in enumerate(zip(games_.states, actions, strict=True)):
        state.apply_action(int(action))
        games_._resolve_chance(e)
        if state.is_terminal():
            returns[e] = state.returns()
        elif games_.opponent[e] == -1 or not _learners_out(state, games_.learner[e], returns[e]):
            continue
        done[e] = True
        games_.new_game(e, mix)
    return done, returns


def _learners_out(state: State, learner: np.ndarray, returns: np.ndarray) -> bool:
    """Whether every learner seat's return is decided; if so, write them into ``returns``."""
    seats = np.flatnonzero(learner)
    decided = [state.final_return(int(seat)) for seat in seats]
    if any(r is None for r in decided):
        return False
    returns[seats] = decided
    return True


def gae(
    batch: Batch, gamma: float, lam: float, shaping: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Advantages and value targets per seat over that seat's own decisions.

    Walking back in time, every game slot keeps, per seat, the value and advantage of that
    seat's next decision; a game's end resets them and leaves its returns as the reward of
    each seat's last decision; the acting seat's GAE step then reads them. With ``shaping``
    (and the batch's potentials), each decision's reward also gets
    ``shaping * (gamma * Phi(next own decision) - Phi(this decision))``, ``Phi = 0`` at the
    end of a game (:mod:`trainers.shaping`).

    Returns:
        ``(advantages, returns)``, each ``[T, E]``.
    """
    t_, e_ = batch.action.shape
    rows = np.arange(e_)
    next_value = batch.bootstrap.astype(np.float64).copy()
    next_adv = np.zeros_like(next_value)
    reward = np.zeros_like(next_value)
    shaped = bool(shaping) and batch.potential is not None
    if shaped:
        phi = shaping * batch.potential.astype(np.float64)
        next_phi = shaping * batch.bootstrap_potential.astype(np.float64)
    advantages = np.zeros((t_, e_))
    for t in range(t_ - 1, -1, -1):
        ended = batch.done[t]
        next_value[ended] = 0.0
        next_adv[ended] = 0.0
        reward[ended] = batch.returns[t][ended]
        seat = batch.seat[t]
        value = batch.value[t]
        step_reward = reward[rows, seat]
        if shaped:
            next_phi[ended] = 0.0
            step_reward = step_reward + gamma * next_phi[rows, seat] - phi[t, rows, seat]
            next_phi[rows, seat] = phi[t, rows, seat]
        delta = step_reward + gamma * next_value[rows, seat] - value
        adv = delta + gamma * lam * next_adv[rows, seat]
        advantages[t] = adv
        next_adv[rows, seat] = adv
        next_value[rows, seat] = value
        reward[rows, seat] = 0.0
    return advantages, advantages + batch.value
