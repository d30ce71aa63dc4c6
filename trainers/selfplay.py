"""Self-play seating: which policy plays each seat of each game, and who acts for fixed agents.

Each new game either seats the current policy everywhere (every seat is a *learner* whose
decisions are trained on), or, with probability ``pool_prob``, one learner seat against a past
snapshot of the policy in every other seat, or, with probability ``agent_prob``, one learner
seat against a fixed agent (e.g. ``heuristic``) in every other seat. Fixed agents act from
their local observation like any agent. A game with one learner seat ends as soon as that seat
is out (its return is decided then): the rest of it would cost decisions and teach nothing.

The games themselves are an engine of :mod:`trainers.engines` (per-game states or a batched
numpy engine); one generator draws all their randomness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agents.base import Agent, load_agent
from games.core import Game, Observation, State
from trainers.engines import Engine, StateEngine, engine_from_json, has_batched, make_engine
from trainers.shaping import Potential, dice_share, potentials


@dataclass(frozen=True)
class Opponents:
    """How new games are seated (see the module docstring).

    Attributes:
        pool_size: snapshots new games may draw.
        pool_prob: probability of a game against a snapshot (when the pool is not empty).
        agents: specs of fixed opponent agents.
        agent_prob: probability of a game against one of ``agents``.
        pool_ids: the keys, in the pool given to :func:`~trainers.rollout.collect`, of the
            snapshots new games may draw (None: ``0 .. pool_size - 1``, a list's indices). A
            game keeps the key drawn until it ends, whatever happens to the pool meanwhile.
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


def needs_text(agent: object) -> bool:
    """Whether an agent reads ``Observation.text`` (assumed of agents that do not say)."""
    return bool(getattr(agent, "needs_text", True))


def engine_for(game: Game, engine: str, agents: Sequence[str]) -> str:
    """``engine``, or ``per-game`` where a fixed agent reads the text view (which only
    per-game states render)."""
    batched = engine == "batched" and has_batched(game)
    if batched and any(needs_text(load_agent(spec)) for spec in agents):
        return "per-game"
    return engine


class SelfPlayGames:
    """The games being played, their seating, and the generator of all their randomness.

    Args:
        game: the game.
        num_envs: games played in lockstep.
        rng: the generator of everything random (chance, seating, fixed agents' seeds).
        engine: one of :data:`trainers.engines.ENGINES`.
        agents: the fixed opponent agents' specs (the batched engine gives no text view: with
            an agent that reads it the games are per-game).
    """

    def __init__(
        self,
        game: Game,
        num_envs: int,
        rng: np.random.Generator,
        engine: str = "per-game",
        agents: Sequence[str] = (),
    ) -> None:
        self.game = game
        self.rng = rng
        self.num_envs = num_envs
        self.engine: Engine = make_engine(game, num_envs, rng, engine_for(game, engine, agents))
        n = game.num_players
        self.learner = np.ones((num_envs, n), dtype=bool)
        """Seats played by the current policy."""
        self.opponent = np.full(num_envs, -1, dtype=np.int64)
        """Who plays the non-learner seats: a snapshot's key in the pool (>= 0), -1 none
        (self-play), or fixed agent ``j`` coded as ``-2 - j``."""
        self.fixed: dict[tuple[int, int, str], Agent] = {}
        """Fixed opponent agents by (game slot, seat, spec), reused across games."""
        self.fixed_seeds: dict[int, tuple[str, list[int]]] = {}
        """Per game slot against fixed agents: their spec and per-seat reset seeds."""
        self._loaded: dict[str, Agent] = {}
        """The first agent loaded of each spec (the others are its ``spawn`` copies)."""

    @property
    def states(self) -> list[State]:
        """The per-game states (per-game engine only)."""
        if not isinstance(self.engine, StateEngine):
            raise AttributeError("the batched engine keeps no per-game states")
        return self.engine.states

    # -- seating ---------------------------------------------------------------------------
    def new_games(self, rows: np.ndarray, mix: Opponents) -> None:
        """Start new games in slots ``rows`` and draw their seating."""
        for e in rows:
            self._seat(int(e), mix)
        self.engine.reset(rows)

    def _seat(self, e: int, mix: Opponents) -> None:
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

    def _reset_fixed(self, e: int, spec: str, seeds: list[int] | None = None) -> None:
        n = self.game.num_players
        seeds = seeds or [int(s) for s in self.rng.integers(2**31, size=n)]
        self.fixed_seeds[e] = (spec, seeds)
        for seat in range(n):
            key = (e, seat, spec)
            if key not in self.fixed:
                self.fixed[key] = self._new_agent(spec)
            self.fixed[key].reset(self.game, seat, seeds[seat])

    def _new_agent(self, spec: str) -> Agent:
        """A fresh agent of ``spec``: a copy of the first one loaded where the agent offers
        ``spawn`` (loading resolves the spec and checks the agent each time)."""
        first = self._loaded.get(spec)
        if first is None:
            first = self._loaded[spec] = load_agent(spec)
        spawn = getattr(first, "spawn", None)
        return spawn() if spawn is not None else load_agent(spec)

    def agent_observation(
        self, e: int, seat: int, obs: np.ndarray, mask: np.ndarray, agent: object
    ) -> Observation:
        """What ``agent`` in seat ``seat`` of game ``e`` sees, from its local observation and
        legal mask (the text view rendered only for an agent that reads it)."""
        text = ""
        if needs_text(agent):
            if not isinstance(self.engine, StateEngine):
                raise ValueError(f"{agent!r} reads the text view: train with engine='per-game'")
            text = self.engine.text(e, seat)
        return Observation(seat, obs.copy(), mask.astype(np.int8), text)

    def fixed_moves(
        self, action: np.ndarray, seen: dict[str, np.ndarray], learner: np.ndarray, mix: Opponents
    ) -> None:
        """Replace, in place, the sampled moves of seats played by fixed agents.

        Agents that offer a ``batch_policy`` (the Liar's Dice heuristic, whose strategy
        depends on the game only) get one call for all the games of their spec, through the
        first one's, then ``choose`` each move with their own generator: the same moves as
        ``act`` one game at a time."""
        seats = seen["seat"]
        groups: dict[str, list[int]] = {}
        for e in np.flatnonzero(~learner & (self.opponent <= -2)):
            groups.setdefault(mix.agents[-2 - int(self.opponent[e])], []).append(int(e))
        for spec, rows in groups.items():
            agents = [self.fixed[(e, int(seats[e]), spec)] for e in rows]
            batch_policy = getattr(agents[0], "batch_policy", None)
            if batch_policy is not None:
                probs = batch_policy(seen["obs"][rows], seen["mask"][rows].astype(np.int8))
                for e, agent, row in zip(rows, agents, probs, strict=True):
                    action[e] = agent.choose(row)
                continue
            for e, agent in zip(rows, agents, strict=True):
                obs = self.agent_observation(
                    e, int(seats[e]), seen["obs"][e], seen["mask"][e], agent
                )
                action[e] = int(agent.act(obs))

    # -- the games -------------------------------------------------------------------------
    def seats(self) -> np.ndarray:
        """The seat to act in every game."""
        return self.engine.current_players()

    def observations(self, seats: Sequence[int] | np.ndarray) -> np.ndarray:
        """Local observations of the given seats, one per game ``[E, obs_dim]``."""
        return self.engine.observations(np.asarray(seats, dtype=np.int64))

    def masks(self) -> np.ndarray:
        """Legal masks of the seats to act ``[E, A]``."""
        return self.engine.legal_masks().astype(bool)

    def global_states(self) -> np.ndarray:
        """Global states ``[E, state_dim]``."""
        return self.engine.global_states()

    def views(self, seats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every seat's local observation, the acting seat first, and who is still in.

        Row ``e`` holds the seats ``seats[e], seats[e] + 1, ...`` (mod P) of game ``e``; a seat
        is in while its return is undecided (the acting seat always is).

        Returns:
            ``(views [E, P, obs_dim], alive [E, P])``.
        """
        n, rows = self.game.num_players, np.arange(self.num_envs)
        order = (seats[:, None] + np.arange(n)) % n
        views = np.stack([self.observations(order[:, k]) for k in range(n)], axis=1)
        alive = np.isnan(self.engine.decided(rows))
        alive[rows, seats] = True
        return views, alive[rows[:, None], order]

    def potentials(self, potential: Potential) -> np.ndarray:
        """Every seat's potential in every game ``[E, P]`` (:mod:`trainers.shaping`)."""
        if isinstance(self.engine, StateEngine):
            return potentials(self.engine.states, potential, self.game.num_players)
        if potential is not dice_share:
            raise ValueError(f"the batched engine has no {potential.__name__} potential")
        counts = self.engine.counts.astype(np.float32)
        out = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        out[self.engine.terminal()] = 0.0
        return out

    def step(self, actions: np.ndarray, mix: Opponents) -> tuple[np.ndarray, np.ndarray]:
        """Apply one action per game; restart finished games. Returns ``(done, returns)``.

        A game against opponents (snapshots or fixed agents) also finishes as soon as every
        learner seat is out: the rest of it would teach nothing. Its ``returns`` row then holds
        the learner seats' final returns and 0 for the others.
        """
        self.engine.apply(actions)
        done = self.engine.terminal()
        returns = np.zeros((self.num_envs, self.game.num_players), dtype=np.float32)
        ended = np.flatnonzero(done)
        returns[ended] = self.engine.decided(ended)
        against = np.flatnonzero(~done & (self.opponent != -1))
        if len(against):
            decided, learner = self.engine.decided(against), self.learner[against]
            out = np.all(~np.isnan(decided) | ~learner, axis=1)
            rows = against[out]
            returns[rows] = np.where(learner[out], decided[out], 0.0)
            done[rows] = True
        self.new_games(np.flatnonzero(done), mix)
        return done, returns

    # -- checkpoints -----------------------------------------------------------------------
    def to_json(self) -> dict:
        """Everything needed to rebuild the games exactly (for checkpoints)."""
        games_ = self.engine.to_json()
        return {
            **(games_ if "histories" in games_ else {"batched": games_}),
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
        """Rebuild the games saved by :meth:`to_json`."""
        rng = np.random.default_rng()
        rng.bit_generator.state = data["rng"]
        games_ = cls.__new__(cls)
        games_.game, games_.rng = game, rng
        games_.engine = engine_from_json(game, data, rng)
        games_.num_envs = games_.engine.num_envs
        games_.learner = np.array(data["learner"], dtype=bool)
        games_.opponent = np.array(data["opponent"], dtype=np.int64)
        games_.fixed, games_.fixed_seeds, games_._loaded = {}, {}, {}
        for e, (spec, seeds) in data.get("fixed", {}).items():
            if games_.opponent[int(e)] <= -2:
                games_._reset_fixed(int(e), spec, seeds)
        for e, seat, spec, state in data.get("fixed_rng", []):
            key = (e, seat, spec)
            if key not in games_.fixed:
                games_.fixed[key] = games_._new_agent(spec)
            if state is not None:
                games_.fixed[key].rng.bit_generator.state = state
        return games_


def _rng_state(agent: Agent) -> dict | None:
    """The state of an agent's numpy generator (``BaseAgent.rng``), if it has one."""
    rng = getattr(agent, "rng", None)
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else None
