"""``arena tournament``: check everything, create or resume, play with a progress bar, print
the ratings (:mod:`arena.tournament` does the work)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import games
from arena.cli.common import (
    UsageError,
    add_db,
    open_ladder,
    parse_anchor,
    parse_params,
    require_db,
    split_agents,
)
from arena.cli.options import add_run_options, run_options, warn_without_sandbox
from arena.schedule import FORMATS

if TYPE_CHECKING:
    from arena.ladder import GameRow

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


def table_params(args: argparse.Namespace, use_default: bool) -> dict[str, Any]:
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


def config_from_args(args: argparse.Namespace):
    from arena.tournament import TournamentConfig

    use_default = args.game is None and args.agents is None
    game = args.game or DEFAULT_TOURNAMENT["game"]
    params = table_params(args, use_default)
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

    options = run_options(args)
    anchor = parse_anchor(args.anchor)
    if args.resume is not None:
        _refuse_with_resume(args)
        require_db(args.db)
        with open_ladder(args.db, readonly=True) as ladder:
            stored = ladder.tournament(args.resume)
            if stored is None:
                raise UsageError(f"no tournament named {args.resume!r} in {ladder.path}")
        _check_anchor(anchor, stored.config["agents"])
        name = args.resume
    else:
        config = config_from_args(args)
        _check_anchor(anchor, config.agents)
        tour.check_config(config, options)  # before the database is touched
        name = args.name or f"{config.game}-{time.strftime('%Y%m%d-%H%M%S')}"
    isolation = stored.config.get("isolation") if args.resume is not None else config.isolation
    warn_without_sandbox(isolation, options)
    with open_ladder(args.db) as ladder:
        row = (
            ladder.tournament(name)
            if args.resume is not None
            else tour.create(ladder, config, name, checked=True)
        )
        summary = run_with_progress(ladder, row, options, quiet=args.json)
        return _print_tournament(ladder, summary, args, anchor)


def run_with_progress(ladder, row, options, quiet: bool):
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

    def on_game(game_row: GameRow) -> None:
        seats = game_row.seats
        elo.update([[seats[s] for s in group] for group in game_row.ranking])
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


def _rating_columns() -> str:
    from arena.stats import RATING_COLUMNS

    return RATING_COLUMNS


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``tournament`` on the ``arena`` sub-command parser."""
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
        choices=FORMATS,
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
    add_db(p)
    add_run_options(p)
    p.set_defaults(func=cmd_tournament)
