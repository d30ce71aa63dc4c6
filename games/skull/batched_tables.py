"""The precomputed tables of the batched Skull engine (:mod:`games.skull.batched`).

:func:`build_tables` makes, once per configuration, every table that
:class:`~games.skull.batched.SkullBatch` reads while it steps and encodes its games, gathered in
one frozen :class:`SkullTables`. Notation as in :mod:`games.skull.batched`: ``P`` players, ``R``
roses and ``S`` skulls each (``D = R + S`` discs), ``M`` the highest bid, ``W`` the points that
win; seats absolute unless said relative.

The batch keeps three per-seat codes up to date, each a small integer folding what the
observation shows of a seat:

* ``sizes_code = ((h * (D+1) + m) * (D+1) + x) * (W+1) + k``: hand size ``h``, mat size
  ``m``, discs lost ``x``, points ``k``;
* ``bids_code = (f * (M+1) + b) * (2D+2) + v``: passed ``f``, highest bid this round ``b``,
  ``v = 2 * roses + skull`` revealed on its stack;
* ``private_code = ((hand roses * (S+1) + hand skulls) * (R+1) + lost roses) * (S+1) + lost
  skulls``.

An observation is then a few look-ups, per seat relative to the observer, of the encoding's
indices that are 1 (as in :mod:`games.skull.encoding`), and one :func:`scatter_ones` of all
rows' indices; an unused table entry repeats an index that is always 1, so every row sets the
same number of indices.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from games.core import CHANCE, TERMINAL
from games.skull.constants import Phase
from games.skull.rules import SkullGame

EMPTY = 1
"""The stack code of an empty mat: the mat as a binary code with a leading 1 (placing kind
``k`` makes ``code * 2 + k``, so bit ``i`` is the ``i``-th disc from the top)."""


class PublicTables(NamedTuple):
    """Index tables of the public slices of the observation or of the global state."""

    sizes: np.ndarray
    """``[rel * NA + sizes_code, D + 4]``: hand size, mat size, points, lost, out of the seat
    ``rel`` seats after the origin (``NA`` the number of sizes codes)."""
    bids: np.ndarray
    """``[rel * NB + bids_code, D + 3]``: seat bid, passed, skull revealed, roses revealed."""
    scalars: np.ndarray
    """``[(((origin * 8 + phase) * (P+1) + to_move) * (P+1) + challenger) * P + first, 4]`` (a
    seat code ``P`` for none): the indices of phase, to_move, challenger and first_player."""
    high_bid: int
    """The start of the ``high_bid`` slice (the bid is added to it)."""


@dataclass(frozen=True, slots=True, eq=False)
class SkullTables:
    """Every precomputed table of one configuration (made by :func:`build_tables`)."""

    start_hand: np.ndarray
    """``[kind]``: the discs of each kind in a full hand, ``(R, S)``."""
    action_kind: np.ndarray
    """``[action]``: the :class:`~games.skull.constants.ActionType` of each action id."""
    next_f: np.ndarray
    """``[bits * P + seat]``: the next seat whose bit is clear (see :func:`next_seat_table`)."""
    popcount: np.ndarray
    """``[bits]``: the bits set."""
    lowest_clear: np.ndarray
    """``[bits]``: the lowest seat whose bit is clear (0 if none)."""
    seats: np.ndarray
    """``0 .. P-1``."""
    seat_bits: np.ndarray
    """``[seat]``: ``1 << seat``."""
    all_bits: int
    """Every seat's bit set."""
    length: np.ndarray
    """``[stack code]``: the discs on the mat."""
    top_roses: np.ndarray
    """``[stack code]``: the roses above the first skull from the top (all if no skull)."""
    shown_f: np.ndarray
    """``[stack code * (D+1) + n]``: ``2 * roses + skull`` among the ``n`` top discs."""
    round_start: np.ndarray
    """The packed round arrays at a round's start (passed, bid, bidder, found, on mats)."""
    mats_start: np.ndarray
    """``[3, P]``: the packed mat arrays at a round's start (stack, revealed, bids code)."""
    a_held: int
    """The weight of the hand size in ``sizes_code``."""
    a_mat: int
    """The weight of the mat size in ``sizes_code``."""
    b_passed: int
    """The weight of ``passed`` in ``bids_code``."""
    b_bid: int
    """The weight of the highest bid in ``bids_code``."""
    p_weights: np.ndarray
    """The weights of hand roses, hand skulls, lost roses, lost skulls in ``private_code``."""
    p_stack: int
    """The number of private codes (the weight of the stack code in the private tables)."""
    lost_step: np.ndarray
    """``[kind]``: what losing a disc of ``kind`` adds to ``lost_code = lost roses * (S+1) +
    lost skulls``."""
    lost_kinds: np.ndarray
    """``[lost_code, 2]``: the roses and skulls lost."""
    lost_total: np.ndarray
    """``[lost_code]``: the discs lost."""
    clear_held: np.ndarray
    """``[lost_code * (W+1) + points, 4]``: a seat's held row at a round's start (hand roses,
    hand skulls, sizes code, private code)."""
    owned_kinds: np.ndarray
    """``[lost_code]``: the kinds still owned, bit 0 roses, bit 1 skulls."""
    hand_kinds: np.ndarray
    """``[private_code]``: the kinds in hand, bit 0 roses, bit 1 skulls."""
    mask_block: int
    """``Q``, the sub-codes per phase in :attr:`mask_table`."""
    mask_table: np.ndarray
    """``[phase * Q + sub, num_distinct_actions]``: the int8 legal masks (see
    :func:`mask_table`)."""
    rot_a: np.ndarray
    """``[origin, seat]``: what makes ``sizes_code`` a row of :attr:`PublicTables.sizes` from
    ``origin``'s point of view."""
    rot_b: np.ndarray
    """``[origin, seat]``: the same for ``bids_code`` and :attr:`PublicTables.bids`."""
    none: int
    """The offset of :attr:`seat_code`: ``-min(CHANCE, TERMINAL)``."""
    seat_code: np.ndarray
    """``[seat + none]``: the seat, ``P`` for ``CHANCE``, ``TERMINAL`` and -1."""
    obs_size: int
    """The width of an observation."""
    state_size: int
    """The width of a global state."""
    obs_public: PublicTables
    """The public tables of the observation."""
    state_public: PublicTables
    """The public tables of the global state."""
    obs_private: np.ndarray
    """The observer's private table (see :func:`private_table`)."""
    state_private: tuple[np.ndarray, ...]
    """``[seat]``: each seat's private table in the global state."""


def stack_tables(discs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, ...]]]:
    """Tables over stack codes ``0 .. 2**(discs+1) - 1`` (code 0 is unused).

    Returns:
        ``length[code]``, ``top_roses[code]`` (roses above the first skull from the top, the
        whole length if there is no skull), ``shown[code, n]`` (``2 * roses + skull`` among the
        ``n`` top discs) and ``kinds[code]`` (the kinds bottom first).
    """
    size = 1 << (discs + 1)
    length = np.zeros(size, dtype=np.int64)
    top_roses = np.zeros(size, dtype=np.int64)
    shown = np.zeros((size, discs + 1), dtype=np.int64)
    kinds: list[tuple[int, ...]] = [()] * size
    for code in range(1, size):
        n = code.bit_length() - 1
        from_top = [(code >> i) & 1 for i in range(n)]
        length[code] = n
        top_roses[code] = from_top.index(1) if 1 in from_top else n
        for k in range(n + 1):
            top = from_top[:k]
            shown[code, k] = 2 * top.count(0) + (1 in top)
        kinds[code] = tuple(reversed(from_top))
    return length, top_roses, shown, kinds


def next_seat_table(players: int) -> np.ndarray:
    """``next[bits, seat]``: the first seat after ``seat`` (round the table) whose bit is clear
    in ``bits`` (``seat`` itself when every other bit is set)."""
    table = np.zeros((1 << players, players), dtype=np.int64)
    for bits, seat in itertools.product(range(1 << players), range(players)):
        table[bits, seat] = seat
        for step in range(1, players):
            nxt = (seat + step) % players
            if not (bits >> nxt) & 1:
                table[bits, seat] = nxt
                break
    return table


def loss_tables(
    game: SkullGame, p_weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tables by ``lost_code = lost roses * (S+1) + lost skulls`` and by private code.

    Returns:
        ``lost_kinds[lost_code]`` (lost roses, lost skulls), ``clear_held[lost_code * (W+1) +
        points]`` (a seat's held row at a round's start: hand roses, hand skulls, sizes code,
        private code) and ``hand_kinds[private_code]`` (bit 0 roses, bit 1 skulls in hand).
    """
    r, s, d, w = game.roses, game.skulls, game.discs, game.wins_needed
    lost = np.array([(lr, ls) for lr in range(r + 1) for ls in range(s + 1)], dtype=np.int64)
    clear = []
    for (lr, ls), k in itertools.product(lost.tolist(), range(w + 1)):
        held = (r - lr, s - ls)
        sizes = ((r - lr + s - ls) * (d + 1) ** 2 + lr + ls) * (w + 1) + k
        private = int(np.dot(p_weights, [*held, lr, ls]))
        clear.append([*held, sizes, private])
    hand_kinds = np.zeros((r + 1) * (s + 1) * (r + 1) * (s + 1), dtype=np.int64)
    for hr, hs, lr, ls in itertools.product(range(r + 1), range(s + 1), range(r + 1), range(s + 1)):
        hand_kinds[int(np.dot(p_weights, [hr, hs, lr, ls]))] = (hr > 0) + 2 * (hs > 0)
    return lost, np.array(clear, dtype=np.int64), hand_kinds


def mask_table(game: SkullGame, block: int) -> np.ndarray:
    """The legal masks ``[phase * block + sub, num_distinct_actions]`` (int8).

    ``sub = x * (M+1) + discs on mats`` in the turn phases (``x`` the bid when bidding, else
    the kinds in the hand of the seat to act, bit 0 roses, bit 1 skulls); in the other phases,
    the bits of the seats to flip, of the kinds to discard or of the seats that may start.
    """
    m, n = game.max_bid, game.num_distinct_actions
    table = np.zeros((len(Phase), block, n), dtype=np.int8)
    for sub in range(block):
        x, on_mats = divmod(sub, m + 1)
        if x < 4:  # the kinds in hand: bit 0 roses, bit 1 skulls
            table[Phase.PLACEMENT : Phase.ADD_OR_BID + 1, sub, :2] = (x & 1, x >> 1)
        table[Phase.ADD_OR_BID, sub, 2 : on_mats + 2] = 1
        table[Phase.BIDDING, sub, x + 2 : on_mats + 2] = 1
        table[Phase.BIDDING, sub, game.pass_action] = 1
        bits = [k for k in range(game.num_players) if (sub >> k) & 1]
        table[Phase.ATTEMPT, sub, [game.flip_base + k for k in bits]] = 1
        table[Phase.CHOOSE_STARTER, sub, [game.starter_base + k for k in bits]] = 1
        table[Phase.DISCARD, sub, [game.discard_base + k for k in bits if k < 2]] = 1
    return table.reshape(-1, n)


def public_tables(game: SkullGame, sl: dict[str, slice]) -> PublicTables:
    """The index tables of the public slices ``sl`` (of the observation or the global state)."""
    p, d, w, m = game.num_players, game.discs, game.wins_needed, game.max_bid
    sizes = np.zeros((p, d + 1, d + 1, d + 1, w + 1, d + 4), dtype=np.int64)
    for rel, h, mat, x, k in itertools.product(
        range(p), range(d + 1), range(d + 1), range(d + 1), range(w + 1)
    ):
        hand = sl["hand_size"].start + rel * (d + 1) + h
        lost = [sl["lost"].start + rel * d + j if j < x else hand for j in range(d)]
        out = sl["out"].start + rel if x == d else hand
        row = [hand, sl["mat_size"].start + rel * (d + 1) + mat]
        sizes[rel, h, mat, x, k] = [*row, sl["points"].start + rel * (w + 1) + k, *lost, out]
    bids = np.zeros((p, 2, m + 1, d + 1, 2, d + 3), dtype=np.int64)
    for rel, f, b, roses, skull in itertools.product(
        range(p), range(2), range(m + 1), range(d + 1), range(2)
    ):
        bid = sl["seat_bid"].start + rel * (m + 1) + b
        shown = [sl["revealed_roses"].start + rel * d + j if j < roses else bid for j in range(d)]
        flags = [sl["passed"].start + rel if f else bid]
        flags += [sl["skull_revealed"].start + rel if skull else bid]
        bids[rel, f, b, roses, skull] = [bid, *flags, *shown]
    scalars = np.zeros((p, len(Phase), p + 1, p + 1, p, 4), dtype=np.int64)
    for origin, phase, to_move, challenger, first in itertools.product(
        range(p), range(len(Phase)), range(p + 1), range(p + 1), range(p)
    ):
        at = sl["phase"].start + phase
        mover = sl["to_move"].start + (to_move - origin) % p if to_move < p else at
        chal = sl["challenger"].start + (challenger - origin) % p if challenger < p else at
        starter = sl["first_player"].start + (first - origin) % p
        scalars[origin, phase, to_move, challenger, first] = [at, mover, chal, starter]
    return PublicTables(
        sizes.reshape(-1, d + 4),
        bids.reshape(-1, d + 3),
        scalars.reshape(-1, 4),
        sl["high_bid"].start,
    )


def private_table(
    game: SkullGame,
    kinds: list[tuple[int, ...]],
    stack: int,
    hand_r: int,
    hand_s: int,
    lost_r: int,
    lost_s: int,
) -> np.ndarray:
    """One seat's private indices ``[stack_code * p_stack + private_code, D + 4]``, from the
    starts of its slices: the stack (bottom first; ``kinds`` as from :func:`stack_tables`) and
    the four one-hots (hand roses, hand skulls, lost roses, lost skulls)."""
    d, r, s = game.discs, game.roses, game.skulls
    table = np.zeros((1 << (d + 1), r + 1, s + 1, r + 1, s + 1, d + 4), dtype=np.int64)
    for code, hr, hs, lr, ls in itertools.product(
        range(1 << (d + 1)), range(r + 1), range(s + 1), range(r + 1), range(s + 1)
    ):
        cell = table[code, hr, hs, lr, ls]
        cell[:] = hand_r + hr  # always 1: the filler of the unused entries
        for pos, kind in enumerate(kinds[code]):
            cell[pos] = stack + 2 * pos + kind
        cell[d:] = (hand_r + hr, hand_s + hs, lost_r + lr, lost_s + ls)
    return table.reshape(-1, d + 4)


def build_tables(game: SkullGame) -> SkullTables:
    """Every table of the configuration ``game``."""
    p, d, w, m = game.num_players, game.discs, game.wins_needed, game.max_bid
    r, s = game.roses, game.skulls
    bits = np.arange(1 << p)
    seats = np.arange(p, dtype=np.int64)
    length, top_roses, shown, kinds = stack_tables(d)
    p_weights = np.array([(s + 1) * (r + 1) * (s + 1), (r + 1) * (s + 1), s + 1, 1])
    lost_kinds, clear_held, hand_kinds = loss_tables(game, p_weights)
    mask_block = max((m + 1) ** 2, 1 << p)
    rel = (seats - seats[:, None]) % p  # [origin, seat]: relative seat
    none = -min(CHANCE, TERMINAL)
    layout = game.layout
    sl = layout.observation_slices
    own = ("own_stack", "own_hand_roses", "own_hand_skulls", "own_lost_roses", "own_lost_skulls")
    st = layout.state_slices
    state_private = tuple(
        private_table(
            game,
            kinds,
            st["stacks"].start + seat * d * 2,
            st["hand_roses"].start + seat * (r + 1),
            st["hand_skulls"].start + seat * (s + 1),
            st["lost_roses"].start + seat * (r + 1),
            st["lost_skulls"].start + seat * (s + 1),
        )
        for seat in range(p)
    )
    return SkullTables(
        start_hand=np.array([r, s], dtype=np.int64),
        action_kind=np.array([int(t) for t, _ in game.action_table], dtype=np.int64),
        next_f=next_seat_table(p).reshape(-1),
        popcount=np.array([bin(b).count("1") for b in bits], dtype=np.int64),
        lowest_clear=np.array(
            [next((k for k in range(p) if not (b >> k) & 1), 0) for b in bits], dtype=np.int64
        ),
        seats=seats,
        seat_bits=np.int64(1) << seats,
        all_bits=(1 << p) - 1,
        length=length,
        top_roses=top_roses,
        shown_f=shown.reshape(-1),
        round_start=np.array([0, 0, -1, 0, 0], dtype=np.int64),
        mats_start=np.array([[EMPTY] * p, [0] * p, [0] * p], dtype=np.int64),
        a_held=(d + 1) ** 2 * (w + 1),
        a_mat=(d + 1) * (w + 1),
        b_passed=(m + 1) * (2 * d + 2),
        b_bid=2 * d + 2,
        p_weights=p_weights,
        p_stack=(r + 1) * (s + 1) * (r + 1) * (s + 1),
        lost_step=np.array([s + 1, 1], dtype=np.int64),
        lost_kinds=lost_kinds,
        lost_total=lost_kinds.sum(axis=1),
        clear_held=clear_held,
        owned_kinds=(lost_kinds[:, 0] < r) + 2 * (lost_kinds[:, 1] < s),
        hand_kinds=hand_kinds,
        mask_block=mask_block,
        mask_table=mask_table(game, mask_block),
        rot_a=rel * (d + 1) ** 3 * (w + 1),
        rot_b=rel * 2 * (m + 1) * (2 * d + 2),
        none=none,
        seat_code=np.array([p] * none + list(range(p)), dtype=np.int64),
        obs_size=layout.observation_size,
        state_size=layout.state_size,
        obs_public=public_tables(game, sl),
        state_public=public_tables(game, st),
        obs_private=private_table(game, kinds, *(sl[name].start for name in own)),
        state_private=state_private,
    )


def scatter_ones(parts: list[np.ndarray], width: int, out: np.ndarray | None) -> np.ndarray:
    """A float32 ``[n, width]`` array (``out`` if given) with 1 at the indices ``parts`` give
    for each row (each part ``[n, k]``: the look-ups of one table for ``n`` rows), else 0.

    Raises:
        ValueError: ``out`` is not a C-contiguous float32 ``[n, width]`` array.
    """
    idx = np.concatenate(parts, axis=1)
    n = len(idx)
    if out is None:
        out = np.zeros((n, width), dtype=np.float32)
    elif out.shape != (n, width) or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float32 array of shape {(n, width)}")
    else:
        out.fill(0.0)
    idx += np.arange(0, n * width, width, dtype=np.int64)[:, None]
    out.reshape(-1)[idx.reshape(-1)] = 1.0
    return out
