"""``arena replay GAME_ID [--as SEAT]``: step through a recorded game in the terminal.

Kept apart from :mod:`arena.cli` as one module per job. The ladder is opened read-only; the
game id (``TOURNAMENT:INDEX``, listed by ``arena report --games``) and the seat are checked
before the app starts, so bad input is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse

from arena.cli.common import UsageError, add_db, open_ladder, require_db


def cmd_replay(args: argparse.Namespace) -> int:
    """Open the replay app on one game."""
    from arena import records

    require_db(args.db)
    with open_ladder(args.db, readonly=True) as ladder:
        row = records.find_game(ladder, args.game_id)  # unknown id -> ValueError
        identities = records.agent_identities(ladder)
    players = len(row.seats)
    if args.seat is not None and not 0 <= args.seat < players:
        raise UsageError(f"--as takes a seat from 0 to {players - 1}, got {args.seat}")
    from arena.tui.replay import run_replay

    return run_replay(row, identities, args.seat)


def add_parsers(sub) -> None:
    """``replay``."""
    p = sub.add_parser(
        "replay",
        help="step through a recorded game, seat by seat, with the agents' move probabilities",
        description="Step through a recorded game (→ ← Home End), seen by one seat (only what "
        "it knew) or with everything revealed (r toggles, s picks the next seat), with the "
        "acting agent's move probabilities at each decision when that agent provides them. "
        "GAME_ID is TOURNAMENT:INDEX; `arena report --games` lists them.",
    )
    p.add_argument("game_id", metavar="GAME_ID", help="TOURNAMENT:INDEX, e.g. duel:12")
    p.add_argument(
        "--as",
        dest="seat",
        type=int,
        metavar="SEAT",
        help="start in this seat's view, from 0 (default: everything revealed)",
    )
    add_db(p)
    p.set_defaults(func=cmd_replay)
