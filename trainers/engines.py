"""The games a rollout steps: per-game ``State`` objects, or a batched numpy engine.

Both engines below answer the same questions for ``E`` games at once (every game always at a
decision: chance is resolved as soon as it comes up), so that collection does not care which
one runs:

* :class:`StateEngine`: one :class:`~games.core.State` per game (any game);
* :class:`~games.liars_dice.batched.LiarsDiceBatch`: Liar's Dice, stepped together in numpy,
  identical to the per-game engine (``tests/games/test_liars_dice_batched.py``);
* :class:`ResolvedBatch`: a game's own batched engine (:meth:`games.core.Game.batch_engine`,
  Skull's :class:`~games.skull.batched.SkullBatch`), its chance nodes resolved from the
  generator exactly as :class:`StateEngine` resolves them: the same games from the same seed
  (``tests/trainers/test_selfplay.py``).

:func:`make_engine` picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from games.core import CHANCE, Game, State
from games.liars_dice.batched import LiarsDiceBatch
from games.liars_dice.rules import LiarsDiceGame

ENGINES = ("batched", "per-game")
"""``batched``: the game's batched engine where it has one (Liar's Dice, Skull); ``per-game``:
one ``State`` per game."""

ChanceSampler = Callable[[State, np.random.Generator], int]
"""Draws a chance outcome of a state from a generator."""


def sample_chance(state: State, rng: np.random.Generator) -> int:
    """A chance outcome by inverse-CDF sampling: one uniform draw (``State.sample_chance``'s
    ``rng.choice(p=...)`` costs ten times as much)."""
    return state.chance_outcome_at(rng.random())


class Engine(Protocol):
    """What collection asks of the games it steps (``E`` games, ``P`` seats)."""

    num_envs: int

    def reset(self, rows: np.ndarray) -> None:
        """Start new games in ``rows``."""

    def apply(self, actions: np.ndarray) -> None:
        """Apply one action per game ``[E]``."""

    def current_players(self) -> np.ndarray:
        """The seat to act in every game ``[E]`` (negative once over)."""

    def terminal(self) -> np.ndarray:
        """Which games are over ``[E]``."""

    def decided(self, rows: np.ndarray) -> np.ndarray:
        """Every seat's final return in ``rows``, NaN where undecided ``[n, P]``."""

    def legal_masks(self) -> np.ndarray:
        """int8 legal masks ``[E, A]``."""

    def observations(self, seats: np.ndarray) -> np.ndarray:
        """Local observation of ``seats[e]`` in game ``e`` ``[E, obs_dim]``."""

    def global_states(self) -> np.ndarray:
        """Global states ``[E, state_dim]``."""

    def to_json(self) -> dict[str, Any]:
        """Everything needed to rebuild the games (not the generator)."""


class StateEngine:
    """One :class:`~games.core.State` per game; chance drawn from ``rng`` with ``chance``."""

    def __init__(self, game: Game, num_envs: int, rng: np.random.Generator) -> None:
        self.game, self.num_envs, self.rng = game, num_envs, rng
        self.chance: ChanceSampler = sample_chance
        """How chance outcomes are drawn (``bench/train.py`` sets ``State.sample_chance``
        to measure the old way)."""
        self.states: list[State] = [game.new_initial_state() for _ in range(num_envs)]
        for e in range(num_envs):
            self._resolve_chance(e)

    def _resolve_chance(self, e: int) -> None:
        state = self.states[e]
        while state.is_chance_node():
            state.apply_action(self.chance(state, self.rng))

    def reset(self, rows: np.ndarray) -> None:
        for e in rows:
            self.states[e] = self.game.new_initial_state()
            self._resolve_chance(int(e))

    def apply(self, actions: np.ndarray) -> None:
        for e, (state, action) in enumerate(zip(self.states, actions, strict=True)):
            state.apply_action(int(action))
            self._resolve_chance(e)

    def current_players(self) -> np.ndarray:
        return np.fromiter((s.current_player() for s in self.states), np.int64, self.num_envs)

    def terminal(self) -> np.ndarray:
        return np.fromiter((s.is_terminal() for s in self.states), bool, self.num_envs)

    def decided(self, rows: np.ndarray) -> np.ndarray:
        seats = range(self.game.num_players)
        out = [[self.states[e].final_return(p) for p in seats] for e in rows]
        return np.array([[np.nan if r is None else r for r in row] for row in out]).reshape(
            len(rows), self.game.num_players
        )

    def legal_masks(self) -> np.ndarray:
        return np.stack([s.legal_actions_mask() for s in self.states])

    def observations(self, seats: np.ndarray) -> np.ndarray:
        return np.stack(
            [s.observation_tensor(int(p)) for s, p in zip(self.states, seats, strict=True)]
        )

    def global_states(self) -> np.ndarray:
        return np.stack([s.global_state_tensor() for s in self.states])

    def text(self, e: int, seat: int) -> str:
        """The text view of ``seat`` in game ``e`` (for agents that read it)."""
        return self.states[e].render(seat)

    def to_json(self) -> dict[str, Any]:
        return {"histories": [s.history() for s in self.states]}

    @classmethod
    def from_json(cls, game: Game, data: dict[str, Any], rng: np.random.Generator) -> StateEngine:
        """The games saved by :meth:`to_json` (their histories replayed)."""
        engine = cls.__new__(cls)
        engine.game, engine.num_envs, engine.rng = game, len(data["histories"]), rng
        engine.chance = sample_chance
        engine.states = []
        for history in data["histories"]:
            state = game.new_initial_state()
            for action in history:
                state.apply_action(action)
            engine.states.append(state)
        return engine


class ResolvedBatch:
    """A game's batched engine (:meth:`games.core.Game.batch_engine`) as collection steps it:
    every row at once, chance resolved at once from ``rng``.

    Chance is drawn as :class:`StateEngine` draws it: after each step, one uniform per game at
    a chance node, in the order of the games, through the engine's ``chance_outcome_at`` (which
    is :meth:`~games.core.State.chance_outcome_at`'s arithmetic); so from the same generator
    both engines play the same games.
    """

    def __init__(self, game: Game, num_envs: int, rng: np.random.Generator) -> None:
        batch = game.batch_engine(num_envs)
        if batch is None:
            raise ValueError(f"{game.name} has no batched engine")
        self.game, self.num_envs, self.rng, self.batch = game, num_envs, rng, batch
        self.rows = np.arange(num_envs)
        self._resolve_chance(self.rows)

    def _resolve_chance(self, rows: np.ndarray) -> None:
        while len(rows := rows[self.batch.current_players(rows) == CHANCE]):
            self.batch.apply(rows, self.batch.chance_outcome_at(rows, self.rng.random(len(rows))))

    def reset(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        self.batch.reset(rows)
        self._resolve_chance(rows)

    def apply(self, actions: np.ndarray) -> None:
        self.batch.apply(self.rows, actions)
        self._resolve_chance(self.rows)

    def current_players(self) -> np.ndarray:
        return self.batch.current_players(self.rows)

    def terminal(self) -> np.ndarray:
        return self.batch.terminal(self.rows)

    def decided(self, rows: np.ndarray) -> np.ndarray:
        return self.batch.decided(rows)

    def legal_masks(self) -> np.ndarray:
        return self.batch.legal_masks(self.rows)

    def observations(self, seats: np.ndarray) -> np.ndarray:
        return self.batch.observations(self.rows, seats)

    def global_states(self) -> np.ndarray:
        return self.batch.global_states(self.rows)

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.batch.to_json()}

    @classmethod
    def from_json(cls, game: Game, data: dict[str, Any], rng: np.random.Generator) -> ResolvedBatch:
        """The games saved by :meth:`to_json`, drawing chance from ``rng``."""
        engine = cls.__new__(cls)
        engine.batch = game.batch_engine(len(data["rows"]["player"]))
        engine.batch.load_json(data["rows"])
        engine.game, engine.num_envs, engine.rng = game, engine.batch.capacity, rng
        engine.rows = np.arange(engine.num_envs)
        return engine


def has_batched(game: Game) -> bool:
    """Whether ``game`` has a batched engine: Liar's Dice's, or one of its own (its class
    overrides :meth:`~games.core.Game.batch_engine`; asking for one would build its tables)."""
    return isinstance(game, LiarsDiceGame) or type(game).batch_engine is not Game.batch_engine


def make_engine(
    game: Game, num_envs: int, rng: np.random.Generator, engine: str = "per-game"
) -> Engine:
    """The engine named ``engine`` (:data:`ENGINES`); ``batched`` falls back to ``per-game``
    for a game without a batched engine."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "batched" and isinstance(game, LiarsDiceGame):
        return LiarsDiceBatch(game, num_envs, rng)
    if engine == "batched" and has_batched(game):
        return ResolvedBatch(game, num_envs, rng)
    return StateEngine(game, num_envs, rng)


def engine_from_json(game: Game, data: dict[str, Any], rng: np.random.Generator) -> Engine:
    """The engine saved in ``data`` (by :meth:`Engine.to_json`, under ``engine`` or, in older
    checkpoints, as the per-game ``histories``)."""
    saved = data.get("batched")
    if saved is None:
        return StateEngine.from_json(game, data, rng)
    if "rows" in saved:
        return ResolvedBatch.from_json(game, saved, rng)
    return LiarsDiceBatch.from_json(game, saved, rng)
