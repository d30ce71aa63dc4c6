"""``arena check-agent SPEC``: a compliance run of any agent (see :mod:`arena.compliance`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import games
from arena import options as opt
from arena.cli.common import JSON_HELP, UsageError, parse_params

EXIT_FAILED = 3
"""Exit status when a check fails (2 is bad input, 1 an internal error)."""


def configurations(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """The configurations asked for, each checked by ``games.make`` before anything runs.

    Raises:
        UsageError, ValueError: unknown game, parameter or value.
    """
    from arena.compliance import DUEL, default_configurations

    params = parse_params(args.param)
    if not args.game:
        if args.param or args.players:
            raise UsageError("--param and --players need --game")
        return default_configurations()
    configs = []
    for name in dict.fromkeys(args.game):
        cls = games.game_class(name)
        allowed = next(p for p in cls.PARAMS if p.name == "players").allowed
        for players in args.players or allowed:
            game = games.make(name, **params, players=players)
            configs.append((name, {"players": game.num_players, **params}))
        if name == "liars_dice" and not args.players and not params:
            configs.append((name, dict(DUEL)))
    return configs


def cmd_check_agent(args: argparse.Namespace) -> int:
    """Run the checks, one line each as it ends; exit 0 when none failed, else 3."""
    from agents.base import resolve
    from arena.compliance import check_agent, failed
    from arena.options import RunOptions, check_timeout
    from arena.tournament import runs_foreign_code

    configs = configurations(args)
    move_timeout = check_timeout(args.move_timeout)
    options = RunOptions(sandbox=args.sandbox, load_timeout=args.load_timeout)
    if args.games < 1:
        raise UsageError(f"--games must be at least 1, got {args.games}")
    if not runs_foreign_code(args.spec):
        resolve(args.spec)  # an unknown name or path: bad input (exit 2), nothing run
    from arena.sandbox import use_sandbox

    use_sandbox(options.sandbox)  # --sandbox bwrap without bubblewrap: bad input

    def show(check: Any) -> None:
        if not args.json:
            print(f"{check.status}  {check.name}: {check.detail}", flush=True)

    report = check_agent(
        args.spec,
        configs,
        games_per_config=args.games,
        move_timeout=move_timeout,
        options=options,
        seed=args.seed,
        on_check=show,
    )
    if args.json:
        print(json.dumps({"spec": args.spec, "checks": [c.to_json() for c in report]}, indent=2))
    elif failed(report):
        print(f"{args.spec}: FAILED", file=sys.stderr)
    return EXIT_FAILED if failed(report) else 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``check-agent`` on the ``arena`` sub-command parser."""
    p = sub.add_parser(
        "check-agent",
        help="check that an agent plays by the rules (any spec, cmd: programs included)",
        description=(
            "Check an agent the way a tournament would meet it: it loads in a sandboxed agent "
            "host (a cmd: program starts and answers the handshake of docs/protocol.md); it "
            "plays seeded games against random in every seat of each configuration, every "
            "answer legal and within the move timeout (configurations it says it cannot play "
            "are skipped); a program exits cleanly when told to quit; nothing is written to "
            "stdout outside the protocol. One PASS/FAIL/SKIP line per check. Exit status 0 "
            f"when every check passed, {EXIT_FAILED} when one failed, 2 for bad input."
        ),
    )
    p.add_argument(
        "spec",
        metavar="SPEC",
        help="agent spec: a built-in, a package path, zoo:NAME, module:factory, "
        "cmd:PROGRAM [ARGS] (quote it), or a directory with agent.toml",
    )
    p.add_argument(
        "--game",
        action="append",
        metavar="G",
        help="check this game (repeatable; default: every game, every player count, and "
        "the OpenSpiel duel)",
    )
    p.add_argument(
        "--players",
        action="append",
        type=int,
        metavar="N",
        help="table size (repeatable; default every size the game allows)",
    )
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument(
        "--games",
        type=int,
        default=2,
        metavar="N",
        help="deals per configuration, each played in every seat (default 2)",
    )
    p.add_argument(
        "--move-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds per move, as in a tournament (default 10)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the deals (default 0)")
    p.add_argument(
        "--sandbox",
        default="auto",
        choices=opt.SANDBOXES,
        help="confine the agent: auto (default: bubblewrap when installed), bwrap, none",
    )
    p.add_argument(
        "--load-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds the agent may take to load (default 30)",
    )
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=cmd_check_agent)
