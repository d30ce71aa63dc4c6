"""The games a referee has in flight, as numbered *boards*: one interface over two engines.

:class:`StateBoards` keeps one per-game :class:`~games.core.State` per board and works for
every game; :class:`BatchBoards` keeps the boards as rows of a game's batched numpy engine
(:meth:`games.core.Game.batch_engine`, e.g. :class:`games.skull.batched.SkullBatch`), so that
applying the moves of a round, encoding the observations and building the legal masks cost a
few numpy calls for all the games at once. Both give the same games: the batched engines are
proven identical to the per-game ones by differential tests, and chance is drawn the same way
(each game's own generator, seeded with its deal, one uniform per chance node, inverse CDF:
:meth:`games.core.State.chance_outcome_at`).

Boards are numbered rows; methods that take ``rows`` (an int64 array) act on those boards.
A board holds the moves applied to it, chance outcomes included (``history``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from games.core import CHANCE, BatchEngine, Game, State


class Boards(Protocol):
    """What the referee needs of the games in flight (see the module docstring)."""

    def begin(self, deal: int) -> int:
        """A board with a new game, its chance stream seeded with ``deal``, advanced to the
        first decision; its row."""

    def release(self, row: int) -> None:
        """Forget the game on board ``row`` (its row may be reused)."""

    def current_players(self, rows: np.ndarray) -> np.ndarray:
        """The seat to act on each board (:data:`~games.core.TERMINAL` once over)."""

    def observations(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray:
        """``(n, observation size)`` float32: each board's local observation of ``seats``."""

    def legal_masks(self, rows: np.ndarray) -> np.ndarray:
        """``(n, actions)`` int8: the legal actions of the seat to act on each board."""

    def texts(self, rows: np.ndarray, seats: np.ndarray) -> list[str]:
        """Each board's text view for ``seats`` (for agents that read text)."""

    def apply(self, rows: np.ndarray, actions: np.ndarray) -> None:
        """Play one legal decision on each board, then its chance nodes until a seat must
        move or the game ends."""

    def terminal(self, rows: np.ndarray) -> np.ndarray:
        """Whether each board's game is over (bool)."""

    def returns(self, row: int) -> list[float]:
        """Every seat's return on board ``row`` (once over)."""

    def history(self, row: int) -> list[int]:
        """Every action applied on board ``row``, chance outcomes included."""


class StateBoards:
    """Boards as per-game states: any game, and text views when an agent reads them."""

    def __init__(self, game: Game) -> None:
        self.game = game
        self._states: dict[int, State] = {}
        self._chance: dict[int, np.random.Generator] = {}
        self._next = 0

    def begin(self, deal: int) -> int:
        row, self._next = self._next, self._next + 1
        self._states[row] = self.game.new_initial_state()
        self._chance[row] = np.random.default_rng(deal)
        self._advance(row)
        return row

    def release(self, row: int) -> None:
        del self._states[row], self._chance[row]

    def _advance(self, row: int) -> None:
        state, chance = self._states[row], self._chance[row]
        while state.is_chance_node():
            state.apply_action(state.chance_outcome_at(chance.random()))

    def current_players(self, rows: np.ndarray) -> np.ndarray:
        states = self._states
        return np.fromiter((states[r].current_player() for r in rows.tolist()), np.int64)

    def observations(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray:
        states = self._states
        pairs = zip(rows.tolist(), seats.tolist(), strict=True)
        return np.stack([states[r].observation_tensor(s) for r, s in pairs])

    def legal_masks(self, rows: np.ndarray) -> np.ndarray:
        states = self._states
        return np.stack([states[r].legal_actions_mask() for r in rows.tolist()])

    def texts(self, rows: np.ndarray, seats: np.ndarray) -> list[str]:
        states = self._states
        return [states[r].render(s) for r, s in zip(rows.tolist(), seats.tolist(), strict=True)]

    def apply(self, rows: np.ndarray, actions: np.ndarray) -> None:
        for row, action in zip(rows.tolist(), actions.tolist(), strict=True):
            self._states[row].apply_action(action)
            self._advance(row)

    def terminal(self, rows: np.ndarray) -> np.ndarray:
        states = self._states
        return np.fromiter((states[r].is_terminal() for r in rows.tolist()), bool)

    def returns(self, row: int) -> list[float]:
        return list(self._states[row].returns())

    def history(self, row: int) -> list[int]:
        return list(self._states[row].history())


class BatchBoards:
    """Boards as the rows of a game's batched engine (no text views).

    Args:
        engine: the batched engine; its capacity bounds the games in flight.
    """

    def __init__(self, engine: BatchEngine) -> None:
        self.engine = engine
        self._free = list(range(engine.capacity - 1, -1, -1))
        self._history: dict[int, list[int]] = {}
        self._chance: dict[int, np.random.Generator] = {}

    def begin(self, deal: int) -> int:
        if not self._free:
            raise RuntimeError(f"more than {self.engine.capacity} games in flight")
        row = self._free.pop()
        rows = np.array([row], dtype=np.int64)
        self.engine.reset(rows)
        self._history[row] = []
        self._chance[row] = np.random.default_rng(deal)
        self._advance(rows)
        return row

    def release(self, row: int) -> None:
        del self._history[row], self._chance[row]
        self._free.append(row)

    def _record(self, rows: np.ndarray, actions: np.ndarray) -> None:
        history = self._history
        for row, action in zip(rows.tolist(), actions.tolist(), strict=True):
            history[row].append(action)

    def _advance(self, rows: np.ndarray) -> None:
        """Play the chance nodes of ``rows`` (one uniform of each game's stream per node)."""
        while len(rows):
            rows = rows[self.engine.current_players(rows) == CHANCE]
            if not len(rows):
                return
            uniforms = np.array([self._chance[r].random() for r in rows.tolist()])
            outcomes = self.engine.chance_outcome_at(rows, uniforms)
            self.engine.apply(rows, outcomes)
            self._record(rows, outcomes)

    def current_players(self, rows: np.ndarray) -> np.ndarray:
        return self.engine.current_players(rows)

    def observations(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray:
        return self.engine.observations(rows, seats)

    def legal_masks(self, rows: np.ndarray) -> np.ndarray:
        return self.engine.legal_masks(rows)

    def texts(self, rows: np.ndarray, seats: np.ndarray) -> list[str]:
        raise NotImplementedError("batched boards have no text views: use StateBoards")

    def apply(self, rows: np.ndarray, actions: np.ndarray) -> None:
        self.engine.apply(rows, actions)
        self._record(rows, actions)
        self._advance(rows)

    def terminal(self, rows: np.ndarray) -> np.ndarray:
        return self.engine.terminal(rows)

    def returns(self, row: int) -> list[float]:
        return self.engine.returns(np.array([row], dtype=np.int64))[0].tolist()

    def history(self, row: int) -> list[int]:
        return list(self._history[row])


MIN_BATCH_BOARDS = 16
"""Games in flight below which per-game boards are faster (a batched step costs a fixed
100-200 us of numpy calls, a per-game move a few us)."""


def make_boards(game: Game, capacity: int, text: bool) -> Boards:
    """Batched boards when the game has a batched engine, at least :data:`MIN_BATCH_BOARDS`
    games are in flight and no agent reads text views; else per-game boards."""
    batched = not text and capacity >= MIN_BATCH_BOARDS
    engine = game.batch_engine(capacity) if batched else None
    return StateBoards(game) if engine is None else BatchBoards(engine)
