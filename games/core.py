"""The Game/State contract shared by every rules engine, OpenSpiel-style.

A :class:`Game` is an immutable description of a configuration (the rules plus their
parameters); a :class:`State` is one position of one game. Conventions follow ``pyspiel``:

* ``state.current_player()`` is a seat ``0..n-1``, or :data:`CHANCE` (-1) at a chance node, or
  :data:`TERMINAL` (-4) once the game is over.
* Actions are integers in ``range(game.num_distinct_actions)`` for players; chance outcomes are
  integers in ``range(game.max_chance_outcomes)`` and only meaningful at chance nodes.
* ``observation_tensor(player)`` is LOCAL and player-relative (what that seat may know, with the
  observer as seat 0 of the encoding); ``global_state_tensor()`` is PRIVILEGED, in absolute seat
  order, and for training only.

This module imports nothing of the project and nothing outside the standard library and numpy.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

CHANCE: int = -1
"""``current_player()`` at a chance node (as ``pyspiel.PlayerId.CHANCE``)."""
TERMINAL: int = -4
"""``current_player()`` once the game is over (as ``pyspiel.PlayerId.TERMINAL``)."""


class IllegalActionError(ValueError):
    """An action that is not legal in the current state; the state is left unchanged."""


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a game: its name, allowed values, default and meaning.

    Attributes:
        name: the keyword accepted by :func:`games.make`.
        allowed: the allowed values, in order (a tuple of ints or of strings).
        default: the value used when the parameter is not given.
        doc: one line saying what the parameter means.
    """

    name: str
    allowed: tuple[Any, ...]
    default: Any
    doc: str

    def describe_allowed(self) -> str:
        """The allowed values as a short human-readable string (``2..6`` or ``"a", "b"``)."""
        values = self.allowed
        is_range = all(isinstance(v, int) for v in values) and len(values) > 2
        if is_range and list(values) == list(range(values[0], values[-1] + 1)):
            return f"{values[0]}..{values[-1]}"
        return ", ".join(repr(v) for v in values)

    def validate(self, value: Any) -> Any:
        """Return ``value`` if allowed, else raise a ``ValueError`` naming the parameter.

        Integers given as strings (e.g. from a command line) are accepted for integer parameters.
        Booleans are never accepted as integers.
        """
        if isinstance(self.default, int) and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = int(value)
        if (
            isinstance(value, bool)
            or value not in self.allowed
            or type(value) is not type(self.default)
        ):
            raise ValueError(
                f"invalid value {value!r} for parameter {self.name!r}: "
                f"allowed values are {self.describe_allowed()}"
            )
        return value


def describe_params(params: Mapping[str, Any]) -> str:
    """``players=2, dice=1`` for messages."""
    return ", ".join(f"{key}={value!r}" for key, value in params.items())


def resolve_params(
    game_name: str, specs: Sequence[ParamSpec], given: Mapping[str, Any]
) -> dict[str, Any]:
    """Validate ``given`` against ``specs`` and fill in defaults.

    Raises:
        ValueError: on an unknown parameter name or a value outside its allowed values.
    """
    known = {s.name: s for s in specs}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(
            f"unknown parameter {unknown[0]!r} for game {game_name!r}: "
            f"parameters are {', '.join(known)}"
        )
    return {s.name: s.validate(given[s.name]) if s.name in given else s.default for s in specs}


@dataclass(frozen=True)
class Observation:
    """Everything a deployed agent may see when it has to act: nothing global.

    Attributes:
        player: the observer's absolute seat (agents are told which seat they play).
        tensor: the local, player-relative observation (``State.observation_tensor(player)``).
        legal_mask: int8 mask over ``num_distinct_actions`` (all zero when not to move).
        text: the human-readable view of that seat (``State.render(viewer=player)``).
    """

    player: int
    tensor: np.ndarray
    legal_mask: np.ndarray
    text: str = field(default="", compare=False)

    @property
    def legal_actions(self) -> list[int]:
        """The legal actions, in increasing order."""
        return np.flatnonzero(self.legal_mask).tolist()


class Game(ABC):
    """A game configuration: rules plus parameters. Immutable; cheap to share.

    Subclasses define :attr:`name`, :attr:`PARAMS` and the shape properties, and build states.
    """

    name: str = ""
    """The registry name (``"skull"``, ``"liars_dice"``)."""
    PARAMS: tuple[ParamSpec, ...] = ()
    """The parameters this game accepts."""
    action_strings: tuple[str, ...]
    """The rule book string of every player action id (player actions' strings do not depend
    on the state, so agents outside the process can be told them once)."""

    def __init__(self, **params: Any) -> None:
        self._params = resolve_params(self.name, self.PARAMS, params)

    @property
    def params(self) -> dict[str, Any]:
        """The complete parameters of this configuration (defaults filled in)."""
        return dict(self._params)

    @property
    def num_players(self) -> int:
        """Number of seats."""
        return int(self._params["players"])

    @property
    @abstractmethod
    def num_distinct_actions(self) -> int:
        """Size of the player action space (fixed for the configuration)."""

    @property
    @abstractmethod
    def max_chance_outcomes(self) -> int:
        """Size of the chance action space."""

    @property
    @abstractmethod
    def observation_shape(self) -> tuple[int, ...]:
        """Shape of ``observation_tensor(player)``."""

    @property
    @abstractmethod
    def state_shape(self) -> tuple[int, ...]:
        """Shape of ``global_state_tensor()``."""

    @property
    def observation_encoding(self) -> str:
        """A version tag of the observation encoding; packaged agents record and check it."""
        return f"{self.name}-obs-v1"

    @abstractmethod
    def new_initial_state(self) -> State:
        """The state at the start of a game (usually a chance node)."""

    def batch_engine(self, capacity: int) -> BatchEngine | None:
        """An engine stepping ``capacity`` games of this configuration at once in numpy,
        identical to the per-game states (see :class:`BatchEngine`); None when the game has
        none (the default)."""
        return None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Game) and (self.name, self._params) == (other.name, other._params)

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self._params.items()))))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"games.make({self.name!r}, {args})"


class BatchEngine(Protocol):
    """Many games of one configuration as the rows of numpy arrays, stepped together.

    Every method takes ``rows`` (distinct int64 row indices, any order, games at any stage)
    and answers exactly as the per-game :class:`State` of each row would: ``current_players``
    as ``current_player()``, ``chance_outcome_at`` as :meth:`State.chance_outcome_at` (rows at
    chance nodes), ``apply`` as ``apply_action`` (legal actions only), ``legal_masks`` as
    ``legal_actions_mask()``, ``observations`` as ``observation_tensor(seat)``, ``terminal``
    as ``is_terminal()``, ``returns`` as ``returns()``. ``reset`` starts new games.
    """

    capacity: int

    def reset(self, rows: np.ndarray) -> None: ...
    def current_players(self, rows: np.ndarray) -> np.ndarray: ...
    def chance_outcome_at(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray: ...
    def apply(self, rows: np.ndarray, actions: np.ndarray) -> None: ...
    def legal_masks(self, rows: np.ndarray) -> np.ndarray: ...
    def observations(self, rows: np.ndarray, seats: np.ndarray) -> np.ndarray: ...
    def terminal(self, rows: np.ndarray) -> np.ndarray: ...
    def returns(self, rows: np.ndarray) -> np.ndarray: ...


class State(ABC):
    """One position of a game. Mutated by :meth:`apply_action`; copy with :meth:`clone`.

    Engines keep the seat to act (or :data:`CHANCE` / :data:`TERMINAL`) in ``_player``.
    """

    game: Game
    _player: int

    def current_player(self) -> int:
        """The seat to act, :data:`CHANCE` or :data:`TERMINAL`."""
        return self._player

    def is_chance_node(self) -> bool:
        """True when chance acts next."""
        return self._player == CHANCE

    def is_terminal(self) -> bool:
        """True once the game is over."""
        return self._player == TERMINAL

    @abstractmethod
    def chance_outcomes(self) -> list[tuple[int, float]]:
        """``[(outcome, probability), ...]`` at a chance node (outcomes with p > 0 only)."""

    @abstractmethod
    def legal_actions(self) -> list[int]:
        """Legal actions of the player to move (or chance outcomes), increasing; [] if terminal."""

    def legal_actions_mask(self) -> np.ndarray:
        """int8 mask of the legal player actions (all zero at chance and terminal nodes)."""
        mask = np.zeros(self.game.num_distinct_actions, dtype=np.int8)
        if self.current_player() >= 0:
            mask[self.legal_actions()] = 1
        return mask

    @abstractmethod
    def apply_action(self, action: int) -> None:
        """Play ``action``; raise :class:`IllegalActionError` (state unchanged) if illegal."""

    @abstractmethod
    def returns(self) -> list[float]:
        """Per-seat returns; all zeros before the end. They always sum to zero."""

    def final_return(self, player: int) -> float | None:
        """``player``'s return if it can no longer change, else ``None``.

        At the end this is ``returns()[player]``; engines where a seat can be knocked out
        before the end (both of ours) also give it for a seat that is out, whose return is
        decided then. Trainers use it to stop a game once the seats they learn for are out.
        """
        check_player(self, player)
        return self.returns()[player] if self.is_terminal() else None

    @abstractmethod
    def action_to_string(self, action: int) -> str:
        """The rule book's string for ``action`` in the context of the player to move."""

    def string_to_action(self, text: str) -> int:
        """The legal action whose string is ``text``.

        Raises:
            IllegalActionError: when no legal action has that string.
        """
        for action in self.legal_actions():
            if self.action_to_string(action) == text:
                return action
        raise IllegalActionError(f"no legal action {text!r} here; legal: {self.legal_strings()}")

    def legal_strings(self) -> list[str]:
        """The strings of the legal actions, in action order."""
        return [self.action_to_string(a) for a in self.legal_actions()]

    @abstractmethod
    def observation_tensor(self, player: int) -> np.ndarray:
        """LOCAL observation of ``player``, relative to that player (float32, flat)."""

    @abstractmethod
    def global_state_tensor(self) -> np.ndarray:
        """PRIVILEGED full state in absolute seat order (float32, flat). Training only."""

    @abstractmethod
    def render(self, viewer: int | None = None) -> str:
        """Text of the state; with a viewer, only what that seat may know."""

    @abstractmethod
    def clone(self) -> State:
        """An independent copy."""

    @abstractmethod
    def history(self) -> list[int]:
        """Every action applied so far, chance outcomes included, in order."""

    def observation(self, player: int) -> Observation:
        """The :class:`Observation` an agent in seat ``player`` receives."""
        mask = (
            self.legal_actions_mask()
            if self.current_player() == player
            else np.zeros(self.game.num_distinct_actions, dtype=np.int8)
        )
        return Observation(player, self.observation_tensor(player), mask, self.render(player))

    def chance_outcome_at(self, u: float) -> int:
        """The chance outcome at cumulative probability ``u`` in [0, 1) (inverse CDF): one
        uniform number per chance node, as the referee and the trainers draw them."""
        outcomes = self.chance_outcomes()
        for action, prob in outcomes:
            u -= prob
            if u < 0.0:
                return action
        return outcomes[-1][0]

    def sample_chance(self, rng: np.random.Generator) -> int:
        """Draw a chance outcome with its probability using ``rng``."""
        outcomes = self.chance_outcomes()
        if len(outcomes) == 1:
            return outcomes[0][0]
        probs = np.array([p for _, p in outcomes])
        return outcomes[int(rng.choice(len(outcomes), p=probs / probs.sum()))][0]

    def __str__(self) -> str:
        return self.render()


class MaskCache:
    """Mixin for a :class:`State`: the legal mask computed once per position.

    The state implements ``_legal_mask()`` and sets ``self._mask = None`` whenever the position
    changes (``apply_action``) and in the copies it makes (``clone``).
    """

    _mask: np.ndarray | None = None

    def _legal_mask(self) -> np.ndarray:
        raise NotImplementedError

    def legal_actions_mask(self) -> np.ndarray:
        """int8 mask of the legal player actions (all zero at chance and terminal nodes).

        Computed once per position (each call returns a fresh copy).
        """
        if self._mask is None:
            self._mask = self._legal_mask()
        return self._mask.copy()


def named_slices(sizes: list[tuple[str, int]]) -> dict[str, slice]:
    """Consecutive named slices of one flat array, from ``(name, size)`` pairs in order."""
    out, start = {}, 0
    for name, size in sizes:
        out[name] = slice(start, start + size)
        start += size
    return out


def check_player(state: State, player: int) -> None:
    """Raise ``ValueError`` unless ``player`` is a seat of ``state``'s game."""
    if not isinstance(player, (int, np.integer)) or not 0 <= player < state.game.num_players:
        raise ValueError(
            f"player must be a seat in 0..{state.game.num_players - 1}, got {player!r}"
        )
