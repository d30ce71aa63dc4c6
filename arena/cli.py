"""The ``arena`` command: games, agents, tournaments, the ladder and reports.

Bad input (unknown game, parameter, agent, format...) gets a one-line error on stderr and exit
status 2, and writes nothing: every check runs before the ladder is opened for writing. An
internal error (a bug, a locked database, a dead worker) prints one line and exits with status
1; its traceback goes to a crash log (:mod:`arena.logs`). ``ladder``, ``report`` and ``export``
open the ladder read-only.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import games

DEFAULT_TOURNAMENT = {
    "game": "liars_dice",
    "params": {"players": 2, "dice": 1, "mode": "single_round"},
    "games_per_pairing": 50,
}
"""What ``arena tournament`` plays with no arguments: the bundled agents on the duel."""

BUNDLED_AGENTS = (
    "random",
    "heuristic",
    "cfr",
    "zoo:liars-dice-duel",
    "zoo:liars-dice-duel-cadp",
    "zoo:liars-dice-duel-ctedd",
    "zoo:liars-dice",
    "zoo:skull",
    "zoo:skull-cadp",
    "zoo:skull-ctedd",
)
"""The agents a tournament without ``--agents`` draws from: those that can play its game."""


def default_agents(game: games.Game) -> tuple[str, ...]:
    """The bundled agents that can play ``game`` (zoo entries not installed are left out)."""
    from agents.base import AgentSpecError, check_agent
    from agents.zoo import zoo_names

    zoo = set(zoo_names())
    out = []
    for spec in BUNDLED_AGENTS:
        if spec.startswith("zoo:") and spec[4:] not in zoo:
            continue
        try:
            check_agent(spec, game)
        except AgentSpecError:
            continue
        out.append(spec)
    return tuple(out)


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


# -- parsing helpers --------------------------------------------------------------------------
def parse_params(items: Sequence[str] | None) -> dict[str, str]:
    """``["players=4", "wild=ones"]`` -> dict (values validated later by the game)."""
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def parse_anchor(text: str | None) -> tuple[str, float] | None:
    """``"random=0"`` -> ("random", 0.0)."""
    if text is None:
        return None
    spec, sep, value = text.rpartition("=")
    try:
        rating = float(value)
    except ValueError:
        rating = None
    if not sep or not spec or rating is None:
        raise UsageError(f"--anchor takes SPEC=RATING, got {text!r}")
    return spec, rating


def split_agents(text: str) -> tuple[str, ...]:
    """Comma-separated agent specs."""
    agents = tuple(a.strip() for a in text.split(",") if a.strip())
    if not agents:
        raise UsageError("--agents needs at least one agent spec")
    return agents


def _open_ladder(path: str | None, *, readonly: bool = False):
    """The ladder at ``path``; ``readonly`` never creates or writes the file (nor -wal/-shm)."""
    from arena.ladder import Ladder

    return Ladder(path, readonly=True) if readonly else Ladder(path)


def _require_db(path: str | None) -> None:
    from arena.ladder import default_db_path

    target = path or default_db_path()
    if not os.path.exists(target):
        raise UsageError(f"no ladder at {target}: play a tournament first (arena tournament)")


# -- commands ---------------------------------------------------------------------------------
def plain(text: str) -> str:
    """Docstring text for a terminal: reStructuredText double backticks dropped."""
    return text.replace("``", "")


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


RESUME_FIXED = (
    ("game", "a GAME argument"),
    ("agents", "--agents"),
    ("games_per_pairing", "--games-per-pairing"),
    ("players", "--players"),
    ("param", "--param"),
    ("format", "--format"),
    ("seed", "--seed"),
    ("move_timeout", "--move-timeout"),
    ("isolation", "--isolation"),
    ("name", "--name"),
    ("until_ci", "--until-ci"),
    ("max_games", "--max-games"),
)
"""Options that ``--resume`` refuses: the stored configuration (and name) decide them."""

RAY_MISSING = "the Ray executor needs the ray extra: pip install 'bluff-arena[ray]'"


def default_workers() -> int:
    """``--workers`` when not given: the CPU cores, at most 8."""
    return min(os.cpu_count() or 1, 8)


def _run_options(args: argparse.Namespace):
    """How to play (``RunOptions``), checked before anything is opened or written."""
    from arena.options import RunOptions

    options = RunOptions(
        workers=default_workers() if args.workers is None else args.workers,
        executor=args.executor,
        ray_address=args.ray_address,
        batch_size=args.batch_size,
        sandbox=args.sandbox,
        agent_memory_mb=args.agent_memory,
        agent_cpu_seconds=args.agent_cpu,
        agent_processes=args.agent_processes,
        load_timeout=args.load_timeout,
    )
    if options.executor == "ray" and importlib.util.find_spec("ray") is None:
        raise UsageError(RAY_MISSING)
    if options.sandbox == "bwrap" and options.executor == "local" and not shutil.which("bwrap"):
        raise UsageError("--sandbox bwrap needs bubblewrap: install it (bwrap) or use auto")
    return options


def _refuse_with_resume(args: argparse.Namespace) -> None:
    given = [flag for dest, flag in RESUME_FIXED if getattr(args, dest) is not None]
    if given:
        raise UsageError(f"--resume plays the stored configuration; drop {', '.join(given)}")


def _check_anchor(anchor: tuple[str, float] | None, agents: Sequence[str]) -> None:
    """Refuse an anchor that is not one of ``agents`` (bare, or labelled ``SPEC@HASH``)."""
    if (
        anchor is not None
        and anchor[0] not in agents
        and anchor[0].rpartition("@")[0] not in agents
    ):
        raise UsageError(
            f"--anchor {anchor[0]!r} is not one of the tournament's agents: {', '.join(agents)}"
        )


def _table_params(args: argparse.Namespace, use_default: bool) -> dict[str, Any]:
    """The game parameters of ``--param`` and ``--players`` (which must agree)."""
    params: dict[str, Any] = dict(DEFAULT_TOURNAMENT["params"]) if use_default else {}
    given = parse_params(args.param)
    if args.players is not None and "players" in given:
        try:
            agree = int(given["players"]) == args.players
        except ValueError:
            agree = False
        if not agree:
            raise UsageError(
                f"--players {args.players} and --param players={given['players']} disagree: "
                "give one of them"
            )
    params.update(given)
    if args.players is not None:
        params["players"] = args.players
    return params


def _config_from_args(args: argparse.Namespace):
    from arena.tournament import TournamentConfig

    use_default = args.game is None and args.agents is None
    game = args.game or DEFAULT_TOURNAMENT["game"]
    params = _table_params(args, use_default)
    if args.games_per_pairing is not None and args.games_per_pairing < 1:
        raise UsageError(f"--games-per-pairing must be at least 1, got {args.games_per_pairing}")
    if args.agents is not None:
        agents = split_agents(args.agents)
    else:
        agents = default_agents(games.make(game, **params))
        if len(agents) < 2:
            raise UsageError(
                f"no two bundled agents play {game} with these parameters: name them with --agents"
            )
    games_per_pairing = args.games_per_pairing or (
        DEFAULT_TOURNAMENT["games_per_pairing"] if use_default else 10
    )
    given = {"format": args.format, "move_timeout": args.move_timeout, "isolation": args.isolation}
    from arena.rounds import stop_rule

    given["stop"] = stop_rule(args.until_ci, args.max_games)  # bad values -> ValueError
    return TournamentConfig(
        game=game,
        params=params,
        agents=agents,
        games_per_pairing=games_per_pairing,
        seed=args.seed,
        **{key: value for key, value in given.items() if value is not None},
    )  # bad seed, move timeout, or too many games -> ValueError


def cmd_tournament(args: argparse.Namespace) -> int:
    """Run (or resume) a tournament, then print its ratings table.

    Every check (options, configuration, agents, anchor) runs before the ladder is opened for
    writing, so bad input creates no file and no tournament row.
    """
    from arena import tournament as tour

    options = _run_options(args)
    anchor = parse_anchor(args.anchor)
    if args.resume is not None:
        _refuse_with_resume(args)
        _require_db(args.db)
        with _open_ladder(args.db, readonly=True) as ladder:
            stored = ladder.tournament(args.resume)
            if stored is None:
                raise UsageError(f"no tournament named {args.resume!r} in {ladder.path}")
        _check_anchor(anchor, stored.config["agents"])
        name = args.resume
    else:
        config = _config_from_args(args)
        _check_anchor(anchor, config.agents)
        tour.check_config(config, options)  # before the database is touched
        name = args.name or f"{config.game}-{time.strftime('%Y%m%d-%H%M%S')}"
    isolation = stored.config.get("isolation") if args.resume is not None else config.isolation
    _warn_without_sandbox(isolation, options)
    with _open_ladder(args.db) as ladder:
        row = (
            ladder.tournament(name)
            if args.resume is not None
            else tour.create(ladder, config, name, checked=True)
        )
        summary = _run_with_progress(ladder, row, options, quiet=args.json)
        return _print_tournament(ladder, summary, args, anchor)


def _warn_without_sandbox(isolation: str | None, options) -> None:
    """Say once, on stderr, which protections a run lacks when bubblewrap is missing."""
    from arena.sandbox import bwrap_works, missing_protections

    auto = options.sandbox == "auto" and options.executor == "local"
    if isolation == "process" and auto and not bwrap_works():
        print(f"arena: warning: {missing_protections(False)}", file=sys.stderr)


def _run_with_progress(ladder, row, options, quiet: bool):
    from tqdm import tqdm

    from arena import tournament as tour
    from arena.ratings import EloTracker

    elo = EloTracker()
    done = len(ladder.done_indices(row))
    bar = tqdm(
        total=row.total_games,
        initial=done,
        unit="game",
        disable=quiet,
        desc=row.name,
        dynamic_ncols=True,
    )

    def on_game(game_row: dict[str, Any]) -> None:
        seats = game_row["seats"]
        elo.update([[seats[s] for s in group] for group in game_row["ranking"]])
        leaders = sorted(elo.ratings().items(), key=lambda kv: -kv[1])[:3]
        bar.set_postfix_str(", ".join(f"{a} {r:.0f}" for a, r in leaders), refresh=False)
        bar.update(1)

    try:
        return tour.run(ladder, row, options=options, on_game=on_game)
    finally:
        bar.close()


def _print_tournament(
    ladder, summary, args: argparse.Namespace, anchor: tuple[str, float] | None
) -> int:
    from arena import report

    row = summary.tournament
    played = ladder.games(tournament=row.name)
    status = f"{len(played)}/{row.total_games} games in {row.name!r} ({ladder.path})" + (
        f"; interrupted: resume with `arena tournament --resume {row.name}`"
        if summary.remaining
        else ""
    )
    table = report.ratings_table(played, anchor=anchor) if played else None
    if args.json:
        out = {
            "tournament": row.name,
            "config": row.config,
            "games": len(played),
            "total_games": row.total_games,
            "complete": summary.remaining == 0,
            "ratings": [] if table is None else report.json_ratings(table),
        }
        print(json.dumps(out, indent=2))
    else:
        print(status, file=sys.stderr)
        if table is not None:
            print(report.format_ratings(table))
    return 130 if summary.interrupted and summary.remaining else 0


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


def _add_play_parser(sub) -> None:
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
    _add_db(p)
    p.set_defaults(func=cmd_play)


# -- parser -----------------------------------------------------------------------------------
def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", metavar="PATH", help="ladder database (default: $ARENA_DB or the user data dir)"
    )


def _rating_columns() -> str:
    from arena.stats import RATING_COLUMNS

    return RATING_COLUMNS


def _add_tournament_parser(sub) -> None:
    p = sub.add_parser(
        "tournament",
        help="run a tournament and print its ratings",
        description=(
            "Run a round-robin or gauntlet tournament; every game is committed to the ladder "
            "as it ends. With no arguments: the bundled agents on the Liar's Dice duel; with a "
            "game and no --agents: the bundled agents (random, heuristic, cfr, the zoo) that "
            "can play it. "
            "Ctrl-C stops cleanly; --resume NAME plays exactly the missing games, with the "
            "stored configuration (only the options of how to play may change)."
        ),
        epilog=_rating_columns(),
    )
    g = p.add_argument_group("what is played (stored with the tournament; not with --resume)")
    g.add_argument("game", nargs="?", help="game name (see `arena games`)")
    g.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    g.add_argument(
        "--players", type=int, metavar="N", help="seats per table (the game's players parameter)"
    )
    g.add_argument(
        "--agents",
        metavar="SPEC,SPEC",
        help="agent specs, comma separated (default: the bundled agents that can play the game)",
    )
    g.add_argument(
        "--format",
        choices=["round-robin", "gauntlet"],
        help="round-robin (default), or gauntlet (the first agent against each other one)",
    )
    g.add_argument(
        "--games-per-pairing",
        type=int,
        metavar="N",
        help="deals per table, at least 1; each is played in every seat rotation (default 10; "
        f"{DEFAULT_TOURNAMENT['games_per_pairing']} for the no-argument duel)",
    )
    g.add_argument(
        "--seed",
        type=int,
        help="root seed, a non-negative integer (default: a secret random seed, so agents "
        "cannot predict the deals; an explicit seed makes the run reproducible but lets an "
        "agent that guesses it predict the deals)",
    )
    g.add_argument(
        "--move-timeout",
        type=float,
        metavar="S",
        help="seconds per move before an agent forfeits, in (0, 3600] (default 10)",
    )
    g.add_argument(
        "--isolation",
        choices=["process", "none"],
        help="run each agent in its own process (default) or in the worker",
    )
    g.add_argument("--name", help="tournament name (default: GAME-DATE-TIME)")
    from arena.rounds import DEFAULT_MAX_GAMES

    g.add_argument(
        "--until-ci",
        type=float,
        metavar="W",
        help="play in rounds until every rating's 95%% interval is within +-W Elo: the first "
        "round plays --games-per-pairing deals at every table, each later one gives its deals "
        "to the tables whose rating differences are least resolved. A round robin grows with "
        "agents^players (20 agents at 4 seats: 4,845 tables, 193,800 games at one deal each "
        "rotation): for large fields, use this with --games-per-pairing 1",
    )
    g.add_argument(
        "--max-games",
        type=int,
        metavar="N",
        help=f"with --until-ci: stop after N games even if unresolved (default "
        f"{DEFAULT_MAX_GAMES:,})",
    )
    p.add_argument("--resume", metavar="NAME", help="resume an interrupted tournament")
    p.add_argument(
        "--anchor",
        metavar="SPEC=RATING",
        help="anchor of the ratings, one of the agents (default: random=0 when random plays, "
        "else a mean of 0)",
    )
    p.add_argument("--json", action="store_true", help="print JSON, no progress bar")
    _add_db(p)
    _add_run_options(p)
    p.set_defaults(func=cmd_tournament)


def _add_run_options(p: argparse.ArgumentParser) -> None:
    from arena import options as opt

    g = p.add_argument_group("how it is played (never changes the results; allowed with --resume)")
    g.add_argument(
        "--workers",
        type=int,
        metavar="W",
        help="games played in parallel by W worker processes (local) or Ray actors "
        f"(default: the CPU cores, at most 8, here {default_workers()}: every worker starts "
        "a host process per agent, so more workers cost memory for little speed)",
    )
    g.add_argument(
        "--executor",
        default="local",
        choices=opt.EXECUTORS,
        help="local: worker processes on this machine (default); "
        "ray: Ray actors; pip install 'bluff-arena[ray]'",
    )
    g.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="address of a running Ray cluster (default: start a local one; --executor ray)",
    )
    g.add_argument(
        "--batch-size",
        type=int,
        default=opt.DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"games each worker keeps in flight (default {opt.DEFAULT_BATCH_SIZE})",
    )
    g.add_argument(
        "--sandbox",
        default="auto",
        choices=opt.SANDBOXES,
        help="confine agent processes: auto (default: bubblewrap when installed), bwrap "
        "(required), none",
    )
    g.add_argument(
        "--agent-memory",
        type=int,
        default=opt.DEFAULT_AGENT_MEMORY_MB,
        metavar="MIB",
        help=f"memory limit of each agent process (default {opt.DEFAULT_AGENT_MEMORY_MB} MiB)",
    )
    g.add_argument(
        "--agent-cpu",
        type=int,
        default=opt.DEFAULT_AGENT_CPU_SECONDS,
        metavar="SECONDS",
        help=f"CPU-time limit of each agent process (default {opt.DEFAULT_AGENT_CPU_SECONDS} s)",
    )
    g.add_argument(
        "--agent-processes",
        type=int,
        default=opt.DEFAULT_AGENT_PROCESSES,
        metavar="N",
        help=f"processes and threads each agent may start (default {opt.DEFAULT_AGENT_PROCESSES})",
    )
    g.add_argument(
        "--load-timeout",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="seconds an agent may take to load before its games are forfeited (default 120)",
    )


JSON_HELP = "print JSON instead of text"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arena`` command."""
    parser = argparse.ArgumentParser(
        prog="arena",
        description="Skull and Liar's Dice: engines, agents, tournaments and ratings.",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="what to do (arena COMMAND --help for more)"
    )
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

    _add_tournament_parser(sub)
    _add_play_parser(sub)
    from arena.cli_train import add_parsers

    add_parsers(sub)
    from arena import cli_ladder, cli_match

    cli_ladder.add_parsers(sub)
    cli_match.add_parsers(sub)
    from arena import cli_replay

    cli_replay.add_parsers(sub)
    from arena import cli_check

    cli_check.add_parsers(sub)
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
    except (UsageError, ValueError) as exc:  # bad input
        print(f"arena: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("arena: aborted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `arena ladder | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug, or the system (a locked database...): not bad input
        return _internal_error(exc)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _internal_error(exc: Exception) -> int:
    """One line on stderr, the traceback in a crash log (arena/logs.py); exit status 1."""
    from arena.logs import write_crash_log

    what = f"{type(exc).__name__}: {_one_line(exc)}"
    try:
        where = f"traceback in {write_crash_log(exc)}"
    except OSError as log_error:
        import traceback

        traceback.print_exception(exc)
        where = f"traceback above; no crash log: {_one_line(log_error)}"
    print(f"arena: internal error: {what} ({where})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    # ``python -m arena.cli``: run the imported module's main, so that the sub-command modules
    # (which import arena.cli) and this one share one UsageError class
    from arena.cli import main as imported_main

    sys.exit(imported_main())
