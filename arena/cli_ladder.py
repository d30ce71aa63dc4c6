"""``arena ladder``, ``arena report`` and ``arena export``: read the ladder, never write it.

Kept apart from :mod:`arena.cli` (the parser, the other commands, ``main``) as one module per
job; the ladder is opened read-only, so these commands work on a read-only file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import games
from arena.cli import (
    JSON_HELP,
    UsageError,
    _add_db,
    _open_ladder,
    _require_db,
    format_ratings,
    parse_anchor,
    parse_params,
)


def describe_key(key: str) -> str:
    """A game configuration key as ``game k=v k=v``."""
    game, _, params = key.partition("{")
    values = json.loads("{" + params)
    return game + " " + " ".join(f"{k}={v}" for k, v in values.items())


def key_params(key: str) -> dict[str, Any]:
    """The parameters stored in a game configuration key (``game{json}``)."""
    return json.loads("{" + key.partition("{")[2])


def _param_filter(args: argparse.Namespace) -> dict[str, str]:
    """``--param`` of ladder/report/export as text, checked against ``--game`` when given."""
    wanted = parse_params(args.param)
    if args.game:
        specs = {spec.name: spec for spec in games.game_class(args.game).PARAMS}
        for name, value in wanted.items():
            if name not in specs:
                raise UsageError(
                    f"unknown parameter {name!r} for game {args.game!r}: "
                    f"parameters are {', '.join(specs)}"
                )
            specs[name].validate(value)  # a value the game never allows -> ValueError
    return wanted


def _matches(key: str, wanted: dict[str, str]) -> bool:
    params = key_params(key)
    return all(name in params and str(params[name]) == value for name, value in wanted.items())


def _selected_games(ladder, args: argparse.Namespace) -> dict[str, list]:
    """Games grouped by configuration, filtered by --tournament / --game / --param."""
    if args.game:
        games.game_class(args.game)  # unknown game -> error
    wanted = _param_filter(args)
    rows = ladder.games(tournament=getattr(args, "tournament", None))
    if args.game:
        rows = [g for g in rows if g.game_key.startswith(args.game + "{")]
    grouped: dict[str, list] = {}
    for g in rows:
        if _matches(g.game_key, wanted):
            grouped.setdefault(g.game_key, []).append(g)
    return grouped


def selection_options(keys: Sequence[str]) -> list[str]:
    """For each key, the ``--game G --param K=V ...`` that selects it among ``keys`` alone.

    Only the parameters whose values differ among ``keys`` are named, so the options are short
    and can be pasted after the command that matched them all.
    """
    stored = {key: key_params(key) for key in keys}
    names = sorted({name for params in stored.values() for name in params})
    differ = [n for n in names if len({str(p.get(n)) for p in stored.values()}) > 1]
    out = []
    for key, params in stored.items():
        options = [f"--game {key.partition('{')[0]}"]
        options += [f"--param {n}={params[n]}" for n in differ if n in params]
        out.append(" ".join(options))
    return out


def _filters(args: argparse.Namespace) -> str:
    """The ``--game`` / ``--param`` filters of a command, as text for a message."""
    given = ([args.game] if args.game else []) + list(args.param or [])
    return " of " + " ".join(given) if given else ""


def cmd_ladder(args: argparse.Namespace) -> int:
    """Print the ratings of every game configuration in the ladder."""
    from arena import report

    _require_db(args.db)
    with _open_ladder(args.db, readonly=True) as ladder:
        grouped = _selected_games(ladder, args)
        anchor = parse_anchor(args.anchor)
        tables = {k: report.ratings_table(v, anchor=anchor) for k, v in grouped.items()}
    if args.json:
        print(json.dumps({k: t.to_dict(orient="records") for k, t in tables.items()}, indent=2))
        return 0
    if not tables:
        print("the ladder has no games" + _filters(args))
    for key, table in tables.items():
        print(f"{describe_key(key)}  ({len(grouped[key])} games)")
        print(format_ratings(table) + "\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the games (one row each) as CSV."""
    from arena import report

    _require_db(args.db)
    with _open_ladder(args.db, readonly=True) as ladder:
        grouped = _selected_games(ladder, args)
    rows = [g for group in grouped.values() for g in group]
    frame = report.games_frame(rows)
    if args.out == "-":
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(args.out, index=False)
        print(f"wrote {len(frame)} games to {args.out}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Ratings, head-to-head and seat tables of one configuration; CSV files and a plot."""
    from arena import report

    _require_db(args.db)
    with _open_ladder(args.db, readonly=True) as ladder:
        grouped = _selected_games(ladder, args)
    if not grouped:
        raise UsageError("no games match (see --tournament, --game, --param)")
    if len(grouped) > 1:
        raise UsageError(
            f"{len(grouped)} game configurations match; choose one by adding its options: "
            + " | ".join(selection_options(list(grouped)))
        )
    ((key, rows),) = grouped.items()
    table = report.ratings_table(rows, anchor=parse_anchor(args.anchor))
    cross = report.crosstable_matrix(rows)
    seats = report.seat_table(rows)
    print(f"{describe_key(key)}: {len(rows)} games\n\n{format_ratings(table)}\n")
    print("head-to-head (row's score against column):")
    print(cross.round(3).to_string(na_rep="-") + "\n")
    print("win rate by seat:")
    print(seats.round(3).to_string(index=False))
    if args.csv:
        os.makedirs(args.csv, exist_ok=True)
        table.to_csv(os.path.join(args.csv, "ratings.csv"), index=False)
        report.crosstable(rows).to_csv(os.path.join(args.csv, "crosstable.csv"), index=False)
        seats.to_csv(os.path.join(args.csv, "seats.csv"), index=False)
        print(f"\nwrote ratings.csv, crosstable.csv, seats.csv to {args.csv}", file=sys.stderr)
    if args.plot:
        report.plot_ratings(table, args.plot, title=describe_key(key))
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


SELECT_HELP = (
    "--param K=V keeps the configurations whose stored parameter K is V (repeatable), "
    "e.g. --game liars_dice --param players=3."
)


def _add_selection(p: argparse.ArgumentParser, tournament: bool) -> None:
    """``--tournament`` (optional), ``--game`` and ``--param``: which games to read."""
    if tournament:
        p.add_argument("--tournament", metavar="NAME", help="only the games of this tournament")
    p.add_argument("--game", help="only this game (see `arena games`)")
    p.add_argument(
        "--param",
        action="append",
        metavar="K=V",
        help="only configurations whose parameter K is V (repeatable)",
    )


def add_parsers(sub) -> None:
    """``ladder``, ``export`` and ``report``: read the ladder, never write it."""
    anchor_help = "the agent pinned at RATING (default: random=0 when random plays, else mean 0)"
    p = sub.add_parser(
        "ladder",
        help="ratings of every game configuration in the ladder",
        description="Print a ratings table for every game configuration in the ladder "
        "(ratings only compare games of one configuration). " + SELECT_HELP,
    )
    _add_selection(p, tournament=False)
    p.add_argument("--anchor", metavar="SPEC=RATING", help=anchor_help)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    _add_db(p)
    p.set_defaults(func=cmd_ladder)

    p = sub.add_parser(
        "export",
        help="write the ladder's games as CSV",
        description="Write the selected games of the ladder as CSV, one row per game. "
        + SELECT_HELP,
    )
    p.add_argument("--out", default="-", metavar="FILE", help="CSV file (default: stdout)")
    _add_selection(p, tournament=True)
    _add_db(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "report",
        help="ratings, head-to-head and seat tables; CSV; plot",
        description="Ratings, head-to-head crosstable and win rate by seat of one game "
        "configuration; the filters must leave exactly one (the error lists the options that "
        "choose each). " + SELECT_HELP,
    )
    _add_selection(p, tournament=True)
    p.add_argument("--anchor", metavar="SPEC=RATING", help=anchor_help)
    p.add_argument("--plot", metavar="FILE.png", help="write a ratings plot")
    p.add_argument("--csv", metavar="DIR", help="write the tables as CSV files")
    _add_db(p)
    p.set_defaults(func=cmd_report)
