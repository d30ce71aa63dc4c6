"""``arena games`` and ``arena agents``: what can be played, and by whom."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence

import games
from arena.cli.common import JSON_HELP, parse_params, plain


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
        print(f"{row['game']}: {plain(row['doc'])}")
        for p in row["params"]:
            print(
                f"  {p['name']:<13} {p['allowed']:<36} default {p['default']!r:<16} "
                f"{plain(p['doc'])}"
            )
        print()
    return 0


def cmd_agents(args: argparse.Namespace) -> int:
    """List the agent specs, and whether each supports a game configuration."""
    from agents.base import AgentSpecError, available_specs, check_agent
    from agents.zoo import zoo_names

    game = games.make(args.game, **parse_params(args.param)) if args.game else None
    rows = []
    for spec in [*available_specs(), *(f"zoo:{name}" for name in zoo_names())]:
        status = "ok"
        if game is not None:
            try:
                check_agent(spec, game)
            except AgentSpecError as exc:
                status = str(exc)
        rows.append({"spec": spec, "status": status})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_agents(rows))
        print(
            "\nAlso: a path to an agent package, zoo:NAME, module.path:factory, or a program "
            "in any language: cmd:PROGRAM [ARGS] or a directory with agent.toml "
            "(docs/protocol.md)."
        )
    return 0


def format_agents(rows: Sequence[dict[str, str]]) -> str:
    """Spec and status columns, the status cut with "..." to the terminal width (at least 60)."""
    width = max(shutil.get_terminal_size().columns, 60)
    spec_width = max(len(row["spec"]) for row in rows)
    room = max(width - spec_width - 1, 10)
    lines = []
    for row in rows:
        status = row["status"]
        if len(status) > room:
            status = status[: room - 3].rstrip() + "..."
        lines.append(f"{row['spec']:<{spec_width}} {status}")
    return "\n".join(lines)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``games`` and ``agents`` on the ``arena`` sub-command parser."""
    p = sub.add_parser(
        "games",
        help="list the games and their parameters",
        description="List the games and, for each parameter, its allowed values, default and "
        "meaning (the values `--param K=V` accepts).",
    )
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=cmd_games)

    p = sub.add_parser(
        "agents",
        help="list agent specs (and whether they can play a game)",
        description="List the agent specs; with --game (and --param), say whether each can play "
        "that configuration, or why not.",
    )
    p.add_argument("--game", help="check each agent against this game (see `arena games`)")
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument("--json", action="store_true", help=JSON_HELP + " (with the full reasons)")
    p.set_defaults(func=cmd_agents)
