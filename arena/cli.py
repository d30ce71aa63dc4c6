"""The ``arena`` command.

``arena games`` lists the games and their parameters. Bad input gets a one-line error on stderr
and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

import games


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


def _games_table() -> list[dict[str, object]]:
    rows = []
    for cls in games.list_games():
        params = [
            {"name": p.name, "allowed": p.describe_allowed(), "default": p.default, "doc": p.doc}
            for p in cls.PARAMS
        ]
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        rows.append({"game": cls.name, "doc": doc, "params": params})
    return rows


def cmd_games(args: argparse.Namespace) -> int:
    """Print the games and their parameters."""
    rows = _games_table()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['game']}: {row['doc']}")
        for p in row["params"]:
            print(f"  {p['name']:<13} {p['allowed']:<36} default {p['default']!r:<16} {p['doc']}")
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arena`` command."""
    parser = argparse.ArgumentParser(
        prog="arena",
        description="Skull and Liar's Dice: engines, agents, tournaments and ratings.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("games", help="list the games and their parameters")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_games)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arena`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except (UsageError, ValueError) as exc:
        print(f"arena: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
