"""``arena play``: a person against agents, in the terminal or (``--web``) a browser."""

from __future__ import annotations

import argparse

from arena.cli.common import UsageError, add_db, parse_params


def cmd_play(args: argparse.Namespace) -> int:
    """Play a game against agents in the terminal (a Textual app); record it in the ladder."""
    from arena import tui

    config = tui.make_config(
        args.game,
        players=args.players,
        params=parse_params(args.param),
        opponents=args.opponents,
        seat=args.seat,
        seed=args.seed,
        name=args.name,
        db=args.db,
        delay=args.delay,
    )  # bad input -> ValueError before the app starts
    if args.port is not None and not args.web:
        raise UsageError("--port goes with --web")
    if args.web:
        from arena.tui import web

        port = web.DEFAULT_PORT if args.port is None else args.port
        web.check_port(port)  # out of range or in use -> ValueError, nothing started
        return web.serve_play(config, port)
    return tui.run_play(config)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``play`` on the ``arena`` sub-command parser."""
    p = sub.add_parser(
        "play",
        help="play a game against agents in the terminal",
        description=(
            "Play Skull or Liar's Dice against agents in a terminal app; finished games are "
            "recorded in the ladder as human:NAME. Defaults: 4 players (Liar's Dice: 5 dice, "
            "elimination) against the best bundled agent."
        ),
    )
    p.add_argument("game", help="game name (see `arena games`)")
    p.add_argument("--players", type=int, help="seats at the table (the game's players parameter)")
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument(
        "--opponents",
        metavar="SPEC,...",
        help="agent specs: one for every opponent, or one per other seat (default: the best "
        "bundled agent)",
    )
    p.add_argument("--seat", type=int, default=0, help="your seat, from 0 (default 0)")
    p.add_argument("--seed", type=int, help="seed of the dice / random draws and the agents")
    p.add_argument("--name", help="your name in the ladder (default: your login name)")
    p.add_argument(
        "--delay",
        type=float,
        metavar="SECONDS",
        help="least time an agent's move takes, so you can follow (default 0.6)",
    )
    p.add_argument(
        "--web",
        action="store_true",
        help="serve the app to a browser (textual-serve) on http://127.0.0.1:PORT instead",
    )
    p.add_argument(
        "--port", type=int, metavar="P", help="the port of --web (default 8000); 127.0.0.1 only"
    )
    add_db(p)
    p.set_defaults(func=cmd_play)
