"""Skull rules (``shared/rules/skull.md``): pure, deterministic, explicit chance.

Let ``D = roses + skulls`` (discs per player) and ``M = players * D`` (the highest possible bid).
Player action ids are fixed for a configuration (they do not shrink as discs are lost):

================================  ===================================  ========================
ids                               strings                              helper on the game
================================  ===================================  ========================
``0``, ``1``                      ``place rose``, ``place skull``      ``place_action(kind)``
``2 .. M+1``                      ``bid 1 .. bid M``                   ``bid_action(n)``
``M+2``                           ``pass``                             ``pass_action``
``M+3 .. M+2+players``            ``flip 0 .. flip players-1``         ``flip_action(k)``
``M+3+players``, ``M+4+players``  ``discard rose``, ``discard skull``  ``discard_action(kind)``
``M+5+players .. M+4+2*players``  ``starter 0 .. starter players-1``   ``starter_action(k)``
================================  ===================================  ========================

``num_distinct_actions = M + 5 + 2*players``. Seats ``k`` in ``flip k`` / ``starter k`` are
absolute. Chance outcomes form a separate space of size 2: ``0`` = ``lose rose``, ``1`` =
``lose skull`` (the challenger loses a random disc after revealing another player's skull).

Disc kinds are the ints of :class:`Disc` (``0`` rose, ``1`` skull) everywhere in the state.
Round 0 is started by seat 0, and the first node of a game is seat 0's opening placement (there
is no chance node at the start).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from games.core import (
    CHANCE,
    TERMINAL,
    Game,
    IllegalActionError,
    MaskCache,
    ParamSpec,
    State,
    check_player,
)
from games.skull import encoding
from games.skull.constants import KIND_NAMES, ActionType, Disc, Phase
from games.skull.render import render_state

if TYPE_CHECKING:
    from games.skull.batched import SkullBatch

_PLACEMENT = Phase.PLACEMENT
_ADD_OR_BID = Phase.ADD_OR_BID
_BIDDING = Phase.BIDDING
_ATTEMPT = Phase.ATTEMPT
_LOSS = Phase.LOSS
_DISCARD = Phase.DISCARD
_CHOOSE_STARTER = Phase.CHOOSE_STARTER
_GAME_OVER = Phase.GAME_OVER


@dataclass(frozen=True)
class RoundResult:
    """How one round ended (one record per challenge, oldest first in ``state.results``).

    Attributes:
        challenger: absolute seat of the challenger.
        bid: the number of roses the challenger had to reveal.
        flips: every disc revealed, in order, as ``(seat, kind)`` (the automatic reveals of the
            challenger's own stack first).
        success: whether the challenger revealed ``bid`` roses.
        skull_owner: the seat whose skull was revealed (``None`` on a success).
        loser: the seat that lost a disc (the challenger on a failure, else ``None``).
        lost: the kind lost (``None`` on a success). PRIVATE to the challenger: renderers show it
            only to the challenger or to an all-seeing viewer.
        out: whether the loser was put out by the loss.
    """

    challenger: int
    bid: int
    flips: tuple[tuple[int, int], ...]
    success: bool
    skull_owner: int | None
    loser: int | None
    lost: Disc | None
    out: bool


class SkullGame(Game):
    """A Skull configuration; the published game is ``players`` 3..6 with the defaults."""

    name = "skull"
    PARAMS = (
        ParamSpec("players", tuple(range(2, 7)), 4, "seats at the table"),
        ParamSpec("roses", (1, 2, 3), 3, "roses each player starts with"),
        ParamSpec("skulls", (1,), 1, "skulls each player starts with"),
        ParamSpec("wins_needed", (1, 2), 2, "successful challenges that win the game"),
        ParamSpec(
            "next_starter",
            ("challenger", "skull_owner"),
            "challenger",
            "who starts the round after a failed challenge",
        ),
    )

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        p = self._params
        n = p["players"]
        self.roses: int = p["roses"]
        self.skulls: int = p["skulls"]
        self.wins_needed: int = p["wins_needed"]
        self.discs: int = self.roses + self.skulls
        """``D``: discs each player starts with."""
        self.max_bid: int = n * self.discs
        """``M``: the highest possible bid."""
        self.pass_action: int = self.max_bid + 2
        """The id of ``pass``."""
        self.flip_base: int = self.max_bid + 3
        """The id of ``flip 0``."""
        self.discard_base: int = self.flip_base + n
        """The id of ``discard rose`` (``discard skull`` is the next one)."""
        self.starter_base: int = self.discard_base + 2
        """The id of ``starter 0``."""
        self.challenger_starts: bool = p["next_starter"] == "challenger"
        """Whether the challenger (not the skull's owner) starts after a failed challenge."""
        self.action_table: tuple[tuple[ActionType, int], ...] = self._build_action_table()
        """``(type, argument)`` of every action id (argument: kind, bid, seat or 0)."""
        self.action_strings: tuple[str, ...] = tuple(
            _action_string(t, arg) for t, arg in self.action_table
        )
        """The rule book string of every player action id."""
        self.layout = encoding.layout(n, self.roses, self.skulls, self.wins_needed)
        self.action_count: int = self.starter_base + n
        """``num_distinct_actions``, as a plain attribute for the hot paths."""

    def _build_action_table(self) -> tuple[tuple[ActionType, int], ...]:
        n = self.num_players
        return (
            tuple((ActionType.PLACE, k) for k in Disc)
            + tuple((ActionType.BID, b) for b in range(1, self.max_bid + 1))
            + ((ActionType.PASS, 0),)
            + tuple((ActionType.FLIP, k) for k in range(n))
            + tuple((ActionType.DISCARD, k) for k in Disc)
            + tuple((ActionType.STARTER, k) for k in range(n))
        )

    @property
    def num_distinct_actions(self) -> int:
        return self.action_count

    @property
    def max_chance_outcomes(self) -> int:
        return 2

    @property
    def observation_shape(self) -> tuple[int, ...]:
        return (self.layout.observation_size,)

    @property
    def state_shape(self) -> tuple[int, ...]:
        return (self.layout.state_size,)

    # -- action ids ----------------------------------------------------------------------------
    def place_action(self, kind: int) -> int:
        """The id of ``place rose`` / ``place skull``."""
        return int(Disc(kind))

    def bid_action(self, n: int) -> int:
        """The id of ``bid n`` (``1 <= n <= max_bid``)."""
        if not 1 <= n <= self.max_bid:
            raise ValueError(f"bid {n} out of range: bids are 1..{self.max_bid}")
        return n + 1

    def flip_action(self, seat: int) -> int:
        """The id of ``flip seat``."""
        return self.flip_base + self._seat(seat)

    def discard_action(self, kind: int) -> int:
        """The id of ``discard rose`` / ``discard skull``."""
        return self.discard_base + int(Disc(kind))

    def starter_action(self, seat: int) -> int:
        """The id of ``starter seat``."""
        return self.starter_base + self._seat(seat)

    def decode_action(self, action: int) -> tuple[ActionType, int]:
        """``(type, argument)`` of a player action id: the kind, the bid, the seat, or 0."""
        if not 0 <= action < self.num_distinct_actions:
            raise ValueError(
                f"{action} is not an action id (ids are 0..{self.num_distinct_actions - 1})"
            )
        return self.action_table[action]

    def _seat(self, seat: int) -> int:
        if not 0 <= seat < self.num_players:
            raise ValueError(f"seat must be in 0..{self.num_players - 1}, got {seat}")
        return seat

    def new_initial_state(self) -> SkullState:
        return SkullState(self)

    def batch_engine(self, capacity: int) -> SkullBatch:
        """``capacity`` games stepped at once in numpy (:mod:`games.skull.batched`)."""
        from games.skull.batched import SkullBatch

        return SkullBatch(self, capacity)


def _action_string(kind: ActionType, arg: int) -> str:
    """The rule book string of an action of type ``kind`` with argument ``arg``."""
    if kind is ActionType.PLACE:
        return f"place {KIND_NAMES[arg]}"
    if kind is ActionType.BID:
        return f"bid {arg}"
    if kind is ActionType.PASS:
        return "pass"
    if kind is ActionType.FLIP:
        return f"flip {arg}"
    if kind is ActionType.DISCARD:
        return f"discard {KIND_NAMES[arg]}"
    return f"starter {arg}"


class SkullState(MaskCache, State):
    """A position of Skull. See the module docstring for the action ids.

    Per-seat data are plain lists indexed by absolute seat; disc kinds are :class:`Disc` ints.
    """

    __slots__ = (
        "_history", "_mask", "_on_mats", "_player", "_returns", "_roses_found", "auction", "bid",
        "bidder", "challenger", "first_player", "flips", "game", "hand_roses", "hand_skulls",
        "lost_roses", "lost_skulls", "out", "passed", "phase", "points", "results", "revealed",
        "stacks", "winner",
    )  # fmt: skip

    def __init__(self, game: SkullGame) -> None:
        self.game: SkullGame = game
        n = game.num_players
        self.hand_roses: list[int] = [game.roses] * n
        """Roses each seat holds in hand (private)."""
        self.hand_skulls: list[int] = [game.skulls] * n
        """Skulls each seat holds in hand (private)."""
        self.stacks: list[list[int]] = [[] for _ in range(n)]
        """Each seat's mat, bottom first (kinds private until revealed)."""
        self.revealed: list[int] = [0] * n
        """Discs revealed on each stack this round, counted from the top."""
        self.points: list[int] = [0] * n
        """Successful challenges of each seat."""
        self.lost_roses: list[int] = [0] * n
        """Roses each seat has lost for good (private to that seat)."""
        self.lost_skulls: list[int] = [0] * n
        """Skulls each seat has lost for good (private to that seat)."""
        self.out: list[bool] = [False] * n
        """Whether each seat is out (has no disc left)."""
        self.passed: list[bool] = [False] * n
        """Whether each seat has passed in this round's bidding."""
        self.bid: int = 0
        """The highest bid of this round (0 before the bidding opens)."""
        self.bidder: int = -1
        """The seat of the highest bid (-1 before the bidding opens)."""
        self.auction: list[tuple[int, int]] = []
        """This round's bids and passes in order: ``(seat, n)``, ``n = 0`` for a pass."""
        self.challenger: int = -1
        """The challenger of this round once the bidding has ended, else -1."""
        self.first_player: int = 0
        """The seat that started this round."""
        self.phase: Phase = _PLACEMENT
        """Where the round stands."""
        self.flips: list[tuple[int, int]] = []
        """This round's revealed discs in order, ``(seat, kind)``."""
        self.results: list[RoundResult] = []
        """Every finished round, oldest first."""
        self.winner: int | None = None
        """The winning seat once the game is over."""
        self._player: int = 0
        self._roses_found: int = 0
        self._on_mats: int = 0
        self._returns: list[float] = [0.0] * n
        self._history: list[int] = []
        self._mask: np.ndarray | None = None
        """The legal mask of this position once computed (cleared by :meth:`apply_action`)."""

    # -- queries -------------------------------------------------------------------------------
    def discs_on_mats(self) -> int:
        """The number of discs on all mats (the highest bid allowed now)."""
        return self._on_mats

    def is_out(self, seat: int) -> bool:
        """Whether ``seat`` has no disc left."""
        return self.out[seat]

    def hand_size(self, seat: int) -> int:
        """Discs ``seat`` holds in hand (public)."""
        return self.hand_roses[seat] + self.hand_skulls[seat]

    def stack_size(self, seat: int) -> int:
        """Discs on ``seat``'s mat (public)."""
        return len(self.stacks[seat])

    def discs_owned(self, seat: int) -> int:
        """Discs ``seat`` still owns, in hand and on the mat (public)."""
        return self.game.discs - self.lost_roses[seat] - self.lost_skulls[seat]

    def roses_revealed(self) -> int:
        """Roses the challenger has revealed so far this round."""
        return self._roses_found

    def players_in(self) -> list[int]:
        """The seats still in the game, in seat order."""
        return [s for s, gone in enumerate(self.out) if not gone]

    def next_in(self, seat: int) -> int:
        """The next seat after ``seat`` that is still in."""
        out, n = self.out, len(self.out)
        nxt = (seat + 1) % n
        while out[nxt]:
            nxt = (nxt + 1) % n
        return nxt

    def chance_outcomes(self) -> list[tuple[int, float]]:
        if self.phase is not _LOSS:
            return []
        c, game = self.challenger, self.game
        roses = game.roses - self.lost_roses[c]
        skulls = game.skulls - self.lost_skulls[c]
        total = roses + skulls
        outcomes = []
        if roses:
            outcomes.append((0, roses / total))
        if skulls:
            outcomes.append((1, skulls / total))
        return outcomes

    def legal_actions(self) -> list[int]:
        phase, p = self.phase, self._player
        if phase is _PLACEMENT:
            return self._places(p)
        if phase is _ADD_OR_BID:
            return self._places(p) + list(range(2, self._on_mats + 2))
        if phase is _BIDDING:
            return [*range(self.bid + 2, self._on_mats + 2), self.game.pass_action]
        if phase is _ATTEMPT:
            base, revealed = self.game.flip_base, self.revealed
            return [base + s for s, st in enumerate(self.stacks) if revealed[s] < len(st)]
        if phase is _LOSS:
            return [k for k, _ in self.chance_outcomes()]
        if phase is _DISCARD:
            return [self.game.discard_base + k for k in self._owned_kinds(p)]
        if phase is _CHOOSE_STARTER:
            return [self.game.starter_base + s for s in self.players_in()]
        return []

    def _legal_mask(self) -> np.ndarray:
        mask = np.zeros(self.game.action_count, dtype=np.int8)
        phase, p = self.phase, self._player
        if phase is _PLACEMENT or phase is _ADD_OR_BID:
            if self.hand_roses[p]:
                mask[0] = 1
            if self.hand_skulls[p]:
                mask[1] = 1
            if phase is _ADD_OR_BID:
                mask[2 : self._on_mats + 2] = 1
        elif phase is _BIDDING:
            mask[self.bid + 2 : self._on_mats + 2] = 1
            mask[self.game.pass_action] = 1
        elif p >= 0:
            mask[self.legal_actions()] = 1
        return mask

    def _places(self, p: int) -> list[int]:
        if self.hand_roses[p]:
            return [0, 1] if self.hand_skulls[p] else [0]
        return [1] if self.hand_skulls[p] else []

    def _owned_kinds(self, seat: int) -> list[int]:
        game = self.game
        kinds = []
        if self.lost_roses[seat] < game.roses:
            kinds.append(0)
        if self.lost_skulls[seat] < game.skulls:
            kinds.append(1)
        return kinds

    def returns(self) -> list[float]:
        return list(self._returns)

    def final_return(self, player: int) -> float | None:
        """A seat that is out has lost: the losers' share ``-1/(N-1)``."""
        check_player(self, player)
        if self._player == TERMINAL:
            return self._returns[player]
        if self.out[player]:
            return -1.0 / (self.game.num_players - 1)
        return None

    def history(self) -> list[int]:
        return list(self._history)

    def action_to_string(self, action: int) -> str:
        if self._player == CHANCE:
            if action not in (0, 1):
                raise ValueError(f"{action!r} is not a chance outcome (0 or 1)")
            return f"lose {KIND_NAMES[action]}"
        game = self.game
        if not isinstance(action, (int, np.integer)) or not 0 <= action < len(game.action_strings):
            raise ValueError(
                f"{action!r} is not an action id (ids are 0..{len(game.action_strings) - 1})"
            )
        return game.action_strings[action]

    # -- transitions ---------------------------------------------------------------------------
    def apply_action(self, action: int) -> None:
        if type(action) is not int:
            if isinstance(action, bool) or not isinstance(action, np.integer):
                raise IllegalActionError(f"{action!r} is not an action id (an int)")
            action = int(action)
        _HANDLERS[self.phase](self, action)
        self._history.append(action)
        self._mask = None

    def _illegal(self, action: int) -> IllegalActionError:
        name = (
            self.action_to_string(action)
            if 0 <= action < len(self.game.action_strings)
            else "no action"
        )
        return IllegalActionError(
            f"{action} ({name}) is not legal for seat {self._player} in phase "
            f"{self.phase.name}; legal: {self.legal_strings()}"
        )

    def _apply_place(self, action: int) -> None:
        p = self._player
        if action == 0 and self.hand_roses[p]:
            self.hand_roses[p] -= 1
        elif action == 1 and self.hand_skulls[p]:
            self.hand_skulls[p] -= 1
        else:
            raise self._illegal(action)
        self.stacks[p].append(action)
        self._on_mats += 1
        nxt = self.next_in(p)
        if self.phase is _PLACEMENT and nxt == self.first_player:
            self.phase = _ADD_OR_BID
        self._player = nxt

    def _apply_add_or_bid(self, action: int) -> None:
        if action <= 1:
            self._apply_place(action)
        elif action <= self._on_mats + 1:
            self._make_bid(self._player, action - 1)
        else:
            raise self._illegal(action)

    def _apply_bidding(self, action: int) -> None:
        p = self._player
        if action == self.game.pass_action:
            self.passed[p] = True
            self.auction.append((p, 0))
            nxt = self._next_bidder(p)
            if nxt == self.bidder:
                self._start_attempt()
            else:
                self._player = nxt
        elif self.bid + 2 <= action <= self._on_mats + 1:
            self._make_bid(p, action - 1)
        else:
            raise self._illegal(action)

    def _make_bid(self, seat: int, n: int) -> None:
        self.bid = n
        self.bidder = seat
        self.auction.append((seat, n))
        if n == self._on_mats:
            self._start_attempt()
        else:
            self.phase = _BIDDING
            self._player = self._next_bidder(seat)

    def _next_bidder(self, seat: int) -> int:
        """The next seat after ``seat`` that is still in and has not passed."""
        out, passed, n = self.out, self.passed, len(self.out)
        nxt = (seat + 1) % n
        while out[nxt] or passed[nxt]:
            nxt = (nxt + 1) % n
        return nxt

    def _start_attempt(self) -> None:
        """The highest bidder challenges; their own stack is revealed from the top."""
        c = self.challenger = self.bidder
        self.phase = _ATTEMPT
        self._player = c
        while self.revealed[c] < len(self.stacks[c]):
            if self._reveal(c):
                return

    def _apply_flip(self, action: int) -> None:
        k = action - self.game.flip_base
        if not 0 <= k < len(self.stacks) or self.revealed[k] >= len(self.stacks[k]):
            raise self._illegal(action)
        self._reveal(k)

    def _reveal(self, seat: int) -> bool:
        """Reveal the top unrevealed disc of ``seat``; True when the attempt is over."""
        stack = self.stacks[seat]
        kind = stack[len(stack) - 1 - self.revealed[seat]]
        self.revealed[seat] += 1
        self.flips.append((seat, kind))
        if kind:
            if seat == self.challenger:
                self.phase = _DISCARD
            else:
                self.phase = _LOSS
                self._player = CHANCE
            return True
        self._roses_found += 1
        if self._roses_found == self.bid:
            self._succeed()
            return True
        return False

    def _succeed(self) -> None:
        c = self.challenger
        self.points[c] += 1
        self._record(success=True, skull_owner=None, lost=None)
        self._clear_round()
        if self.points[c] >= self.game.wins_needed:
            self._finish(c)
        else:
            self._start_round(c)

    def _apply_chance(self, action: int) -> None:
        if not any(k == action for k, _ in self.chance_outcomes()):
            raise IllegalActionError(
                f"{action!r} is not a possible chance outcome here; "
                f"possible: {[k for k, _ in self.chance_outcomes()]}"
            )
        self._lose(action)

    def _apply_discard(self, action: int) -> None:
        kind = action - self.game.discard_base
        if kind not in self._owned_kinds(self.challenger):
            raise self._illegal(action)
        self._lose(kind)

    def _lose(self, kind: int) -> None:
        """The challenger loses a disc of ``kind`` for good; the round ends."""
        c, game = self.challenger, self.game
        if kind:
            self.lost_skulls[c] += 1
        else:
            self.lost_roses[c] += 1
        owner = self.flips[-1][0]
        self.out[c] = self.lost_roses[c] + self.lost_skulls[c] == game.discs
        self._record(success=False, skull_owner=owner, lost=Disc(kind))
        self._clear_round()
        alive = self.players_in()
        if len(alive) == 1:
            self._finish(alive[0])
        elif not self.out[c]:
            self._start_round(c if game.challenger_starts else owner)
        elif owner != c:
            self._start_round(owner)
        else:
            self.phase = _CHOOSE_STARTER
            self._player = c

    def _apply_starter(self, action: int) -> None:
        k = action - self.game.starter_base
        if not 0 <= k < len(self.out) or self.out[k]:
            raise self._illegal(action)
        self._start_round(k)

    def _apply_game_over(self, action: int) -> None:
        raise IllegalActionError(f"the game is over: no action is legal (got {action!r})")

    def _record(self, success: bool, skull_owner: int | None, lost: Disc | None) -> None:
        c = self.challenger
        self.results.append(
            RoundResult(
                challenger=c,
                bid=self.bid,
                flips=tuple(self.flips),
                success=success,
                skull_owner=skull_owner,
                loser=None if success else c,
                lost=lost,
                out=self.out[c],
            )
        )

    def _clear_round(self) -> None:
        """All discs go back to their owners' hands; bids, passes and reveals are cleared."""
        game, n = self.game, len(self.out)
        self.hand_roses = [game.roses - lost for lost in self.lost_roses]
        self.hand_skulls = [game.skulls - lost for lost in self.lost_skulls]
        self.stacks = [[] for _ in range(n)]
        self.revealed = [0] * n
        self.passed = [False] * n
        self.bid, self.bidder, self._roses_found, self._on_mats = 0, -1, 0, 0
        self.auction = []
        self.flips = []

    def _start_round(self, first: int) -> None:
        self.challenger = -1
        self.first_player = first
        self.phase = _PLACEMENT
        self._player = first

    def _finish(self, winner: int) -> None:
        n = len(self.out)
        share = -1.0 / (n - 1)
        self._returns = [1.0 if s == winner else share for s in range(n)]
        self.winner = winner
        self.challenger = -1
        self.phase = _GAME_OVER
        self._player = TERMINAL

    # -- views ---------------------------------------------------------------------------------
    def observation_tensor(self, player: int) -> np.ndarray:
        if type(player) is not int or not 0 <= player < len(self.out):
            check_player(self, player)
            player = int(player)
        return self.game.layout.observation(self, player)

    def global_state_tensor(self) -> np.ndarray:
        return self.game.layout.global_state(self)

    def render(self, viewer: int | None = None) -> str:
        if viewer is not None:
            check_player(self, viewer)
        return render_state(self, viewer)

    def clone(self) -> SkullState:
        new = SkullState.__new__(SkullState)
        new.game = self.game
        new.hand_roses = self.hand_roses[:]
        new.hand_skulls = self.hand_skulls[:]
        new.stacks = [s[:] for s in self.stacks]
        new.revealed = self.revealed[:]
        new.points = self.points[:]
        new.lost_roses = self.lost_roses[:]
        new.lost_skulls = self.lost_skulls[:]
        new.out = self.out[:]
        new.passed = self.passed[:]
        new.bid, new.bidder, new.challenger = self.bid, self.bidder, self.challenger
        new.auction = self.auction[:]
        new.first_player, new.phase, new.winner = self.first_player, self.phase, self.winner
        new.flips = self.flips[:]
        new.results = self.results[:]
        new._player, new._roses_found, new._on_mats = self._player, self._roses_found, self._on_mats
        new._returns = self._returns[:]
        new._history = self._history[:]
        new._mask = None
        return new


_HANDLERS = (
    SkullState._apply_place,
    SkullState._apply_add_or_bid,
    SkullState._apply_bidding,
    SkullState._apply_flip,
    SkullState._apply_chance,
    SkullState._apply_discard,
    SkullState._apply_starter,
    SkullState._apply_game_over,
)
"""The transition of each :class:`Phase`, indexed by phase."""
