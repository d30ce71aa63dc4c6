"""``arena match A B [GAME ...]``: is A stronger than B? A sequential test on duplicate deals.

A match is a tournament (a gauntlet of two, so A against N-1 copies of B at N seats) played in
rounds of deals until the SPRT (:mod:`arena.sprt`) accepts H0 or H1, or ``--max-games``; every
game goes to the ladder, so ``--resume NAME`` goes on where a stopped match ended and
``arena report --tournament NAME`` shows its tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from arena.cli.common import JSON_HELP, UsageError, add_db, open_ladder, require_db
from arena.cli.options import add_run_options, run_options, warn_without_sandbox
from arena.cli.tournament import DEFAULT_TOURNAMENT, table_params

DEFAULT_MAX_GAMES = 100_000
DEFAULT_ROUND_DEALS = 50


def _match_configs(args: argparse.Namespace, name: str) -> list:
    """The match's tournament config for every game, every value checked (nothing written)."""
    from arena.sprt import Hypotheses
    from arena.tournament import TournamentConfig

    hypotheses = Hypotheses.parse(args.sprt or [])
    if args.a == args.b:
        raise UsageError(
            f"A and B are both {args.a!r}: to test an agent against itself, give it under "
            "two specs (e.g. heuristic agents.heuristic:HeuristicAgent)"
        )
    if args.round_deals is not None and args.round_deals < 1:
        raise UsageError(f"--round-deals must be at least 1, got {args.round_deals}")
    if len(set(args.games)) != len(args.games):
        raise UsageError(f"a game is named twice: {' '.join(args.games)}")
    stop = {
        "sprt": hypotheses.to_json(),
        "max_games": args.max_games or DEFAULT_MAX_GAMES,
        "match": name,
    }
    seed, configs = args.seed, []
    for game in args.games or [DEFAULT_TOURNAMENT["game"]]:
        config = TournamentConfig(
            game=game,
            params=table_params(args, use_default=not args.games),
            agents=(args.a, args.b),
            format="gauntlet",
            games_per_pairing=args.round_deals or DEFAULT_ROUND_DEALS,
            seed=seed,
            stop=stop,
            **({"isolation": args.isolation} if args.isolation else {}),
        )  # bad game, parameters, seed, hypotheses or max games -> ValueError
        seed = config.seed  # one root (given or secret) for every game of the match
        configs.append(config)
    return configs


def _names(name: str, configs: list) -> list[str]:
    """One tournament per game: the match's name, with the game's when there are several."""
    return [name] if len(configs) == 1 else [f"{name}-{c.game}" for c in configs]


def _stored(ladder, name: str) -> list:
    """The tournaments of the stored match ``name``, in the order they were created."""
    return [t for t in ladder.tournaments() if t.config.get("stop", {}).get("match") == name]


RESUME_FIXED = ("a", "b", "games", "players", "param", "sprt", "max_games", "round_deals")


def cmd_match(args: argparse.Namespace) -> int:
    """Play (or resume) a match until the SPRT decides; print its summary."""
    from arena import rounds
    from arena import tournament as tour

    options = run_options(args)
    if args.resume is not None:
        given = [name for name in RESUME_FIXED if getattr(args, name) not in (None, [])]
        if given or args.seed is not None or args.name or args.isolation:
            raise UsageError("--resume plays the stored match: give only NAME and how to play")
        require_db(args.db)
        with open_ladder(args.db, readonly=True) as ladder:
            stored = _stored(ladder, args.resume)
        if not stored:
            raise UsageError(f"no match named {args.resume!r} in the ladder")
        name, isolation = args.resume, stored[0].config.get("isolation")
    else:
        if args.a is None or args.b is None:
            raise UsageError("give the two agents: arena match A B [GAME ...]")
        name = args.name or f"match-{time.strftime('%Y%m%d-%H%M%S')}"
        configs = _match_configs(args, name)
        for config in configs:
            tour.check_config(config, options)  # before the database is touched
        isolation = configs[0].isolation
    warn_without_sandbox(isolation, options)
    with open_ladder(args.db) as ladder:
        rows = stored if args.resume else _create(ladder, name, configs)

        def on_round(line: str) -> None:
            if not args.json:
                print(f"{name}: {line}", file=sys.stderr, flush=True)

        run = rounds.run_match(ladder, rows, options=options, on_round=on_round)
        return _print_result(name, rows, run, args.json)


def _create(ladder, name: str, configs: list) -> list:
    """Register the match's tournaments (refusing names that exist, before any is created)."""
    from arena import tournament as tour

    names = _names(name, configs)
    taken = [n for n in names if ladder.tournament(n) is not None]
    if taken:
        raise UsageError(f"a tournament named {taken[0]!r} exists: use --resume {name}")
    return [tour.create(ladder, c, n, checked=True) for c, n in zip(configs, names, strict=True)]


def _print_result(name: str, rows: list, run, as_json: bool) -> int:
    from arena.sprt import Hypotheses
    from arena.tournament import TournamentConfig

    configs = [TournamentConfig.from_json(row.config) for row in rows]
    hypotheses = Hypotheses(**configs[0].stop["sprt"])
    result, max_games = run.result, configs[0].stop["max_games"]
    a, b = configs[0].agents
    played = [
        {"tournament": row.name, "game": c.game, "params": c.params}
        for c, row in zip(configs, rows, strict=True)
    ]
    if as_json:
        out: dict[str, Any] = {
            "match": name,
            "a": a,
            "b": b,
            "tournaments": played,
            "hypotheses": hypotheses.to_json(),
            **result.__dict__,
            "pentanomial": list(result.pentanomial),
            "complete": not run.interrupted,
        }
        print(json.dumps(out, indent=2, default=str))
    else:
        verdict = {
            "H1": f"{a} is stronger than {b} by at least elo1={hypotheses.elo1:g} (H1)",
            "H0": f"{a} is not stronger than {b} by elo1={hypotheses.elo1:g} or more (H0)",
        }.get(result.decision, "no decision")
        if not result.decision and not run.interrupted:
            verdict += f": --max-games {max_games} reached"
        games = "; ".join(f"{p['game']} {p['params']}" for p in played)
        print(f"{name}: {a} vs {b}, {games}")
        print(result.summary(hypotheses))
        print(verdict)
    if run.interrupted:
        print(f"interrupted: resume with `arena match --resume {name}`", file=sys.stderr)
        return 130
    return 0


def add_parsers(sub) -> None:
    """``match``: an SPRT between two agents on duplicate deals."""
    p = sub.add_parser(
        "match",
        help="is A stronger than B? duplicate deals until a sequential test decides",
        description=(
            "Play A against B on duplicate deals (both seat orders on the same cards; at N "
            "seats, A against N-1 copies of B in every rotation) in rounds, until the "
            "sequential probability ratio test accepts H0 (A is not better by elo1) or H1 (A "
            "is better by at least elo1), or --max-games. Each deal is one observation: A's "
            "mean pairwise score against B's seats over its games (for two seats, the "
            "pentanomial of a game pair). Prints, after every round and at the end, the "
            "log-likelihood ratio with its bounds, the Elo difference with its 95% interval "
            "and the likelihood of superiority (LOS). Games go to the ladder: --resume NAME "
            "goes on, `arena report --tournament NAME` shows the tables."
        ),
    )
    p.add_argument("a", nargs="?", help="agent A, the candidate (any agent spec)")
    p.add_argument("b", nargs="?", help="agent B, the reference")
    p.add_argument(
        "games",
        nargs="*",
        metavar="GAME",
        help="games, all with the same --players and --param; the test pools their deals "
        "(default: the Liar's Dice duel, as `arena tournament`)",
    )
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument(
        "--players", type=int, metavar="N", help="seats per table: A and N-1 copies of B"
    )
    p.add_argument(
        "--sprt",
        nargs="+",
        metavar="NAME=VALUE",
        help="the test: elo0=0 elo1=10 alpha=0.05 beta=0.05 (these are the defaults; Elo of "
        "the pairwise score, logistic; alpha: chance of H1 when H0 holds, beta: of H0 when "
        "H1 holds)",
    )
    p.add_argument(
        "--max-games",
        type=int,
        metavar="N",
        help=f"stop undecided after N games (default {DEFAULT_MAX_GAMES:,})",
    )
    p.add_argument(
        "--round-deals",
        type=int,
        metavar="N",
        help=f"deals per round, between two looks at the test (default {DEFAULT_ROUND_DEALS})",
    )
    p.add_argument("--seed", type=int, help="root seed (default: a secret random seed)")
    p.add_argument(
        "--isolation",
        choices=["process", "none"],
        help="each agent in its own process (default) or in the worker",
    )
    p.add_argument("--name", help="the match's name in the ladder (default: match-DATE-TIME)")
    p.add_argument("--resume", metavar="NAME", help="resume a stopped match")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    add_db(p)
    add_run_options(p)
    p.set_defaults(func=cmd_match)
