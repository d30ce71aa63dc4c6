"""What one seat may know of a Skull position: plain data, legal moves as action ids.

The viewer's hand, mat and lost kinds come from their observation tensor (the ``own_*``
slices) and their legal moves from its legal mask; everything else is public (stack and hand
sizes, points, bids and passes, who is out, the discs turned face up, round results as revealed
to the table). The kind a challenger lost is shown to the challenger only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.tui.view import legal_ids, to_move
from games.skull.constants import KIND_NAMES, ActionType, Phase
from games.skull.rules import SkullState


@dataclass(frozen=True)
class SkullMove:
    """A move the viewer may make now: its action id, its kind and argument (kind, bid, seat)."""

    action: int
    type: ActionType
    arg: int


@dataclass(frozen=True)
class SkullSeatView:
    """One seat at the Skull table, as anybody sees it.

    Attributes:
        seat: the absolute seat.
        you: whether it is the viewer.
        to_move: whether it acts now.
        out: whether it has no disc left.
        points: successful challenges.
        discs: discs it still owns (hand + mat).
        hand: discs in its hand.
        mat: discs on its mat.
        revealed: the kinds turned face up on its mat this round, in the order they were turned.
        bid: its highest bid this round (``None`` if it has not bid).
        passed: whether it passed this round.
        first: whether it started this round.
        challenger: whether it is this round's challenger.
    """

    seat: int
    you: bool
    to_move: bool
    out: bool
    points: int
    discs: int
    hand: int
    mat: int
    revealed: tuple[str, ...]
    bid: int | None
    passed: bool
    first: bool
    challenger: bool


@dataclass(frozen=True)
class SkullView:
    """What the viewer may know of a Skull position.

    Attributes:
        seat: the viewer.
        phase: where the round stands.
        round: the round number, from 1.
        to_move: the seat to act, or ``None`` (chance, game over).
        wins_needed: points that win the game.
        your_hand: the viewer's hand as ``(roses, skulls)``.
        your_stack: the viewer's mat, bottom first, as kind names.
        your_lost: the kinds the viewer has lost, ``(roses, skulls)``.
        seats: every seat's public data.
        auction: this round's bids and passes in order, ``(seat, n)`` with ``n = 0`` a pass.
        bid: the highest bid this round (0 before the bidding opens).
        challenger: this round's challenger, or ``None``.
        roses_revealed: roses the challenger has turned over so far.
        flips: the discs turned over this round, in order, ``(seat, kind)``.
        discs_on_mats: the discs on all mats (the highest bid allowed).
        legal: the viewer's legal moves; empty when it is not the viewer's turn.
        winner: the winning seat once the game is over.
    """

    seat: int
    phase: Phase
    round: int
    to_move: int | None
    wins_needed: int
    your_hand: tuple[int, int]
    your_stack: tuple[str, ...]
    your_lost: tuple[int, int]
    seats: tuple[SkullSeatView, ...]
    auction: tuple[tuple[int, int], ...]
    bid: int
    challenger: int | None
    roses_revealed: int
    flips: tuple[tuple[int, str], ...]
    discs_on_mats: int
    legal: tuple[SkullMove, ...]
    winner: int | None

    @property
    def your_turn(self) -> bool:
        """Whether the viewer acts now."""
        return self.to_move == self.seat

    @property
    def game_over(self) -> bool:
        """Whether the game has ended."""
        return self.phase is Phase.GAME_OVER

    @property
    def legal_actions(self) -> tuple[int, ...]:
        """The viewer's legal action ids."""
        return tuple(move.action for move in self.legal)

    def action(self, kind: ActionType, arg: int = 0) -> int | None:
        """The action id of the move ``(kind, arg)`` if it is legal now, else ``None``."""
        return next((m.action for m in self.legal if (m.type, m.arg) == (kind, arg)), None)

    def args(self, kind: ActionType) -> tuple[int, ...]:
        """The arguments of the legal moves of ``kind`` (the bids, the seats...)."""
        return tuple(m.arg for m in self.legal if m.type is kind)


@dataclass(frozen=True)
class SkullRoundView:
    """A finished Skull round as the viewer saw it.

    Attributes:
        number: the round number, from 1.
        challenger: the challenger.
        bid: the roses they had to turn over.
        flips: every disc turned over, in order, ``(seat, kind)``.
        success: whether the challenge succeeded.
        skull_owner: whose skull stopped it (``None`` on a success).
        lost: the kind the challenger lost -- only when the viewer is the challenger.
        out: whether the challenger is out after the loss.
    """

    number: int
    challenger: int
    bid: int
    flips: tuple[tuple[int, str], ...]
    success: bool
    skull_owner: int | None
    lost: str | None
    out: bool


def _one_hot(values: np.ndarray) -> int:
    return int(np.argmax(values))


def _own_discs(
    state: SkullState, tensor: np.ndarray
) -> tuple[tuple[int, int], tuple[str, ...], tuple[int, int]]:
    """The observer's hand, mat and losses, decoded from their observation tensor."""
    sl = state.game.layout.observation_slices
    hand = (_one_hot(tensor[sl["own_hand_roses"]]), _one_hot(tensor[sl["own_hand_skulls"]]))
    lost = (_one_hot(tensor[sl["own_lost_roses"]]), _one_hot(tensor[sl["own_lost_skulls"]]))
    stack = []
    for rose, skull in tensor[sl["own_stack"]].reshape(-1, 2):
        if not (rose or skull):
            break
        stack.append(KIND_NAMES[int(skull > rose)])
    return hand, tuple(stack), lost


def _seat(state: SkullState, seat: int, viewer: int, mover: int | None) -> SkullSeatView:
    bids = [n for s, n in state.auction if s == seat and n]
    return SkullSeatView(
        seat=seat,
        you=seat == viewer,
        to_move=seat == mover,
        out=state.out[seat],
        points=state.points[seat],
        discs=state.discs_owned(seat),
        hand=state.hand_size(seat),
        mat=state.stack_size(seat),
        revealed=tuple(KIND_NAMES[k] for s, k in state.flips if s == seat),
        bid=max(bids) if bids else None,
        passed=state.passed[seat],
        first=seat == state.first_player and state.phase is not Phase.CHOOSE_STARTER,
        challenger=seat == state.challenger,
    )


def _moves(state: SkullState, actions: tuple[int, ...]) -> tuple[SkullMove, ...]:
    return tuple(SkullMove(a, *state.game.decode_action(a)) for a in actions)


def make_view(state: SkullState, seat: int) -> SkullView:
    """What ``seat`` may know of a Skull position."""
    obs = state.observation(seat)
    hand, stack, lost = _own_discs(state, obs.tensor)
    mover = to_move(state)
    return SkullView(
        seat=seat,
        phase=Phase(state.phase),
        round=len(state.results) + 1,
        to_move=mover,
        wins_needed=state.game.wins_needed,
        your_hand=hand,
        your_stack=stack,
        your_lost=lost,
        seats=tuple(_seat(state, s, seat, mover) for s in range(state.game.num_players)),
        auction=tuple(state.auction),
        bid=state.bid,
        challenger=state.challenger if state.challenger >= 0 else None,
        roses_revealed=state.roses_revealed(),
        flips=tuple((s, KIND_NAMES[k]) for s, k in state.flips),
        discs_on_mats=state.discs_on_mats(),
        legal=_moves(state, legal_ids(obs.legal_mask)),
        winner=state.winner,
    )


def skull_round_view(state: SkullState, index: int, viewer: int) -> SkullRoundView:
    """Round ``index`` (0-based) of ``state.results`` as ``viewer`` saw it."""
    result = state.results[index]
    private = result.lost is not None and viewer == result.challenger
    return SkullRoundView(
        number=index + 1,
        challenger=result.challenger,
        bid=result.bid,
        flips=tuple((s, KIND_NAMES[k]) for s, k in result.flips),
        success=result.success,
        skull_owner=result.skull_owner,
        lost=KIND_NAMES[result.lost] if private else None,
        out=result.out,
    )


def round_views(state: SkullState, seat: int, start: int = 0) -> list[SkullRoundView]:
    """The finished rounds ``start..`` as ``seat`` saw them."""
    return [skull_round_view(state, i, seat) for i in range(start, len(state.results))]
