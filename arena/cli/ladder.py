"""``arena ladder``, ``arena report`` and ``arena export``: read the ladder, never write it.

The ladder is opened read-only, so these commands work on a read-only file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import games
from arena.cli.common import (
    JSON_HELP,
    UsageError,
    add_db,
    open_ladder,
    parse_anchor,
    parse_params,
    require_db,
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


def _selected_tallies(ladder, args: argparse.Namespace) -> dict:
    """Like :func:`_selected_games`, as tallies (:mod:`arena.stats.tally`): distinct games and
    deal patterns counted by SQLite, so a million-game ladder is read in seconds."""
    from arena.stats.tally import load_tallies

    if args.game:
        games.game_class(args.game)  # unknown game -> error
    wanted = _param_filter(args)
    tallies = load_tallies(ladder, tournament=getattr(args, "tournament", None))
    return {
        key: tally
        for key, tally in tallies.items()
        if (not args.game or key.startswith(args.game + "{")) and _matches(key, wanted)
    }


def cmd_ladder(args: argparse.Namespace) -> int:
    """Print the ratings of every game configuration in the ladder."""
    from arena import report

    require_db(args.db)
    anchor = parse_anchor(args.anchor)
    with open_ladder(args.db, readonly=True) as ladder:
        grouped = _selected_tallies(ladder, args)
    tables = {k: report.ratings_table(v, anchor=anchor) for k, v in grouped.items()}
    if args.json:
        print(json.dumps({k: report.json_ratings(t) for k, t in tables.items()}, indent=2))
        return 0
    if not tables:
        print("the ladder has no games" + _filters(args))
    for key, table in tables.items():
        tally = grouped[key]
        print(f"{describe_key(key)}  ({tally.n_games} games, {tally.n_deals} deals)")
        print(report.format_ratings(table) + "\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the games: CSV (one row each), JSON lines (one record each) or OpenSpiel files."""
    from arena import report

    if args.format == "openspiel" and args.out == "-":
        raise UsageError("--format openspiel writes one file per game: give --out DIRECTORY")
    if args.format == "jsonl" and args.out != "-":
        _check_parent(args.out, "--out")
    require_db(args.db)
    with open_ladder(args.db, readonly=True) as ladder:
        grouped = _selected_games(ladder, args)
        rows = [g for group in grouped.values() for g in group]
        if args.format == "jsonl":
            return _export_jsonl(rows, ladder, args.out)
    if args.format == "openspiel":
        return _export_openspiel(rows, args.out)
    frame = report.games_frame(rows)
    if args.out == "-":
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(args.out, index=False)
        print(f"wrote {len(frame)} games to {args.out}", file=sys.stderr)
    return 0


def _export_jsonl(rows: list, ladder, out: str) -> int:
    """``export --format jsonl``: one game a line (:func:`arena.records.jsonl_record`)."""
    from arena import records

    if out == "-":
        records.write_jsonl(rows, ladder, sys.stdout)
        return 0
    with open(out, "w", encoding="utf-8") as handle:
        count = records.write_jsonl(rows, ladder, handle)
    print(f"wrote {count} games to {out}", file=sys.stderr)
    return 0


def _export_openspiel(rows: list, out: str) -> int:
    """``export --format openspiel``: one file per game of the OpenSpiel configuration."""
    from pathlib import Path

    from arena import records

    keep, other, forfeited = records.openspiel_selection(rows)
    if not keep:
        raise UsageError(
            f"none of the {len(rows)} selected games can be written for OpenSpiel: only games "
            "of its Liar's Dice configuration (--game liars_dice --param dice=1 --param "
            "mode=single_round, two players) that ended by the rules"
        )
    if Path(out).exists() and not Path(out).is_dir():
        raise UsageError(f"--out {out} exists and is not a directory")
    paths = records.write_openspiel(keep, Path(out))
    skipped = []
    if other:
        skipped.append(f"{other} of another configuration")
    if forfeited:
        skipped.append(f"{forfeited} ended by a forfeit")
    note = f" (skipped {', '.join(skipped)})" if skipped else ""
    print(f"wrote {len(paths)} OpenSpiel game files to {out}{note}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Ratings, head-to-head and seat tables of one configuration; CSV files and a plot."""
    from arena import report
    from arena.stats.tally import edge_games

    _check_html_options(args)
    require_db(args.db)
    anchor = parse_anchor(args.anchor)
    with open_ladder(args.db, readonly=True) as ladder:
        grouped = _selected_tallies(ladder, args)
        if not grouped:
            raise UsageError("no games match (see --tournament, --game, --param)")
        if len(grouped) > 1:
            raise UsageError(
                f"{len(grouped)} game configurations match; choose one by adding its options: "
                + " | ".join(selection_options(list(grouped)))
            )
        ((key, tally),) = grouped.items()
        rows = (
            _selected_games(ladder, args)[key]
            if args.games or args.html
            else edge_games(ladder, key, getattr(args, "tournament", None))
        )
    table = report.ratings_table(tally, anchor=anchor)
    cross = report.crosstable_matrix(tally)
    seats = report.seat_table(tally)
    print(f"{describe_key(key)}: {tally.n_games} games, {tally.n_deals} deals\n")
    print(report.format_ratings(table) + "\n")
    print("head-to-head (row's score against column):")
    print(cross.round(3).to_string(na_rep="-") + "\n")
    print("win rate by seat (lower, upper: 95% interval, deals resampled as a whole):")
    print(seats.round(3).to_string(index=False))
    if args.csv:
        os.makedirs(args.csv, exist_ok=True)
        table.to_csv(os.path.join(args.csv, "ratings.csv"), index=False)
        report.crosstable(tally).to_csv(os.path.join(args.csv, "crosstable.csv"), index=False)
        seats.to_csv(os.path.join(args.csv, "seats.csv"), index=False)
        print(f"\nwrote ratings.csv, crosstable.csv, seats.csv to {args.csv}", file=sys.stderr)
    if args.plot:
        report.plot_ratings(table, args.plot, title=describe_key(key))
        print(f"wrote {args.plot}", file=sys.stderr)
    _print_game_ids(rows, every=args.games)
    if args.html:
        _write_html(args, describe_key(key), rows, table, cross, seats)
    return 0


def _check_html_options(args: argparse.Namespace) -> None:
    """Refuse a bad ``--html`` / ``--html-games`` before anything is read or written."""
    if args.html_games < 1:
        raise UsageError(f"--html-games must be at least 1, got {args.html_games}")
    if args.html and os.path.isdir(args.html):
        raise UsageError(f"--html {args.html} is a directory: give a file name")
    if args.html:
        _check_parent(args.html, "--html")


def _check_parent(path: str, option: str) -> None:
    """Refuse a file whose directory does not exist (before anything is read or written)."""
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise UsageError(f"{option} {path}: no directory {parent}")


def _print_game_ids(rows: list, every: bool) -> None:
    """The ids of the games (``arena replay ID``): each one with ``--games``, else a hint."""
    from arena.records import game_id

    if every:
        print("\ngames (arena replay ID):")
        for g in rows:
            returns = " ".join(f"{r:+.3g}" for r in g.returns)
            print(f"{game_id(g)}  {' vs '.join(g.agents)}  returns {returns}")
        return
    span = game_id(rows[0]) if len(rows) == 1 else f"{game_id(rows[0])} … {game_id(rows[-1])}"
    print(f"\ngame ids: {span} (--games lists them; replay one with `arena replay ID`)")


def _write_html(args: argparse.Namespace, title: str, rows: list, table, cross, seats) -> None:
    """``report --html FILE``: the self-contained page (:mod:`arena.html_report`)."""
    from arena import html_report, records

    with open_ladder(args.db, readonly=True) as ladder:
        identities = records.agent_identities(ladder)
    page = html_report.render_report(
        rows,
        identities,
        title=title,
        ratings=table,
        crosstable=cross,
        seats=seats,
        sample=args.html_games,
    )
    with open(args.html, "w", encoding="utf-8") as handle:
        handle.write(page)
    size = len(page.encode()) / 1024
    print(f"wrote {args.html} ({size:.0f} KiB, self-contained)", file=sys.stderr)


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
    from arena.stats import RATING_COLUMNS

    anchor_help = "the agent pinned at RATING (default: random=0 when random plays, else mean 0)"
    p = sub.add_parser(
        "ladder",
        help="ratings of every game configuration in the ladder",
        epilog=RATING_COLUMNS,
        description="Print a ratings table for every game configuration in the ladder "
        "(ratings only compare games of one configuration). " + SELECT_HELP,
    )
    _add_selection(p, tournament=False)
    p.add_argument("--anchor", metavar="SPEC=RATING", help=anchor_help)
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    add_db(p)
    p.set_defaults(func=cmd_ladder)

    p = sub.add_parser(
        "export",
        help="write the ladder's games as CSV, JSON lines or OpenSpiel records",
        description="Write the selected games of the ladder: CSV (one row per game), JSON "
        "lines (one game a line: configuration, agents with hashes, seeds, every action with "
        "its string, returns, forfeits) or, for the OpenSpiel configuration of Liar's Dice, "
        "OpenSpiel's serialised format (one file per game, for "
        "pyspiel.deserialize_game_and_state). " + SELECT_HELP,
    )
    p.add_argument(
        "--format",
        choices=["csv", "jsonl", "openspiel"],
        default="csv",
        help="csv (default), jsonl, or openspiel (needs --out DIRECTORY)",
    )
    p.add_argument(
        "--out",
        default="-",
        metavar="PATH",
        help="the file (default: stdout); for openspiel, a directory",
    )
    _add_selection(p, tournament=True)
    add_db(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "report",
        help="ratings, head-to-head and seat tables; CSV; plot",
        epilog=RATING_COLUMNS,
        description="Ratings, head-to-head crosstable and win rate by seat of one game "
        "configuration; the filters must leave exactly one (the error lists the options that "
        "choose each). " + SELECT_HELP,
    )
    _add_selection(p, tournament=True)
    p.add_argument("--anchor", metavar="SPEC=RATING", help=anchor_help)
    p.add_argument("--plot", metavar="FILE.png", help="write a ratings plot")
    p.add_argument("--csv", metavar="DIR", help="write the tables as CSV files")
    p.add_argument(
        "--games", action="store_true", help="list every game's id (for `arena replay ID`)"
    )
    p.add_argument(
        "--html",
        metavar="FILE.html",
        help="write one self-contained HTML page: ratings, heatmap, seats, training curves "
        "and a game viewer (loads nothing from the network)",
    )
    p.add_argument(
        "--html-games",
        type=int,
        default=100,
        metavar="N",
        help="games in the page's viewer: all of them up to N, else a seeded random sample "
        "of N (default 100)",
    )
    add_db(p)
    p.set_defaults(func=cmd_report)
