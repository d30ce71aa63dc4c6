"""``arena train`` and ``arena exploitability`` (the commands that need torch or OpenSpiel:
they import ``trainers`` only when they run, so the other commands start without torch)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from arena.cli.common import UsageError


def cmd_train(args: argparse.Namespace) -> int:
    """Train an agent from a TOML config; export its package; optionally place it on the ladder.

    Every setting is validated before anything is written (a bad one: one line, exit status
    2). Ctrl-C or SIGTERM writes a checkpoint and exits with 128 + the signal's number; a
    diverged run (a NaN loss) stops with exit status 1, keeping the last good checkpoint.
    """
    from trainers.config_fields import FULL_WIDTH
    from trainers.guards import NonFiniteError
    from trainers.loop import train

    cfg, out = _train_config(args)
    if cfg.method in FULL_WIDTH:
        return _train_full_width(cfg, out, args)
    if cfg.budget_note:
        print(f"note: {cfg.budget_note}", file=sys.stderr)
    try:
        run = train(cfg, out, resume=bool(args.resume), progress=not args.quiet)
    except NonFiniteError as exc:
        kept = (
            f"the last good checkpoint (update {exc.checkpoint}) is kept in {out}"
            if exc.checkpoint is not None
            else "no checkpoint had been written yet"
        )
        print(f"arena train: stopped: {exc}; {kept}", file=sys.stderr)
        return 1
    if run.stopped:
        print(
            f"{run.stopped}: stopped after update {run.update:,} of {cfg.num_updates:,} "
            f"({run.decisions:,} decisions); checkpoint in {out}: continue with "
            f"`arena train --resume {out}`",
            file=sys.stderr,
        )
        return 128 + int(getattr(signal, run.stopped))
    package = out / "agent"
    print(f"trained {run.decisions:,} decisions in {run.wall:.0f}s; package: {package}")
    print(f"metrics: {out / 'metrics.csv'}; curves: {out / 'curves.png'}")
    if args.ladder:
        return _place_on_ladder(str(package), cfg, args)
    return 0


def _train_full_width(cfg, out: Path, args: argparse.Namespace) -> int:
    """A full-width method (MMD, CFR+ on the duel): solve, distil, export. A stop signal ends
    the solve early; the policy reached is still distilled and exported."""
    from trainers.full_width import train_full_width

    if args.resume:
        raise UsageError(f"--resume: method {cfg.method} runs do not resume (they take minutes)")
    if (out / "metrics.csv").exists():
        raise UsageError(f"{out} already holds a run's metrics: give another --out")
    run = train_full_width(cfg, out, progress=not args.quiet)
    package = out / "agent"
    iterations = run.solver.iteration
    evaluation = run.evaluation
    print(
        f"{iterations:,} {cfg.method} iterations in {run.wall:.0f}s: tabular NashConv "
        f"{evaluation['tabular_nash_conv']:.4f}, distilled actor {evaluation['nash_conv']:.4f}; "
        f"package: {package}"
    )
    print(f"metrics: {out / 'metrics.csv'}; curves: {out / 'curves.png'}")
    if run.stopped:
        print(
            f"{run.stopped}: stopped after iteration {iterations:,} of "
            f"{cfg.tabular_iterations:,} (full-width runs do not resume: run again)",
            file=sys.stderr,
        )
        return 128 + int(getattr(signal, run.stopped))
    if args.ladder:
        return _place_on_ladder(str(package), cfg, args)
    return 0


def _train_config(args: argparse.Namespace):
    """The validated config and run directory of ``arena train`` (nothing is written yet).

    With ``--resume DIR`` the saved config, where ``--set`` may change only the budget and
    bookkeeping (:data:`trainers.config.RESUMABLE`): ``--set total_decisions=N`` extends a
    finished or stopped run.
    """
    from trainers.checkpoint import load_checkpoint
    from trainers.config import load_config, resume_config

    if args.resume:
        out = Path(args.resume)
        return resume_config(load_checkpoint(out)["config"], args.set), out
    cfg = load_config(args.config, args.set)
    out = Path(args.out or Path("runs") / cfg.agent_name)
    if (out / "checkpoint.pt").exists():
        raise ValueError(f"{out} already holds a run: use --resume {out} or another --out")
    return cfg, out


def _place_on_ladder(spec: str, cfg, args: argparse.Namespace) -> int:
    """Register the agent and play a placement gauntlet against the ladder's agents."""
    from arena import tournament as tour
    from arena.cli.ladder import describe_key
    from arena.cli.options import default_workers
    from arena.cli.tournament import run_with_progress
    from arena.ladder import Ladder, game_key
    from arena.options import RunOptions
    from arena.report import format_ratings, ratings_table

    with Ladder(args.db) as ladder:
        key = game_key(cfg.game, cfg.params)
        known = sorted({s for g in ladder.games(key=key) for s in g.seats} - {spec})
        opponents = [s for s in known if not s.startswith("human:")] or ["random", "heuristic"]
        config = tour.TournamentConfig(
            game=cfg.game,
            params=cfg.params,
            agents=(spec, *opponents),
            format="gauntlet",
            games_per_pairing=args.placement_games,
        )
        row = tour.create(ladder, config, f"placement-{cfg.agent_name}-{Path(spec).parent.name}")
        options = RunOptions(workers=default_workers())
        summary = run_with_progress(ladder, row, options, quiet=args.quiet)
        played = ladder.games(key=key)
        table = ratings_table(played)
        new = [a for a in table.agent if a == spec or a.startswith(spec + "@")]
        print(f"\n{describe_key(key)}: {len(played)} games; * marks the new agent")
        print(format_ratings(table, marked=new))
    return 130 if summary.interrupted and summary.remaining else 0


def cmd_exploitability(args: argparse.Namespace) -> int:
    """Exploitability of an agent: exact on the duel, a learned lower bound anywhere else."""
    from agents.base import check_agent
    from trainers.evaluate import is_openspiel_config

    game = _exploitability_game(args)
    check_agent(args.agent, game)
    if is_openspiel_config(game) and not args.approximate:
        given = [
            f"--{k}" for k in ("budget", "games", "seed", "save") if getattr(args, k) is not None
        ]
        if given:
            raise UsageError(
                f"{', '.join(given)}: only for the approximate mode (add --approximate); "
                "the duel's exploitability is exact"
            )
        return _exact_exploitability(args)
    return _approximate_exploitability(args, game)


def _exploitability_game(args: argparse.Namespace):
    """The configuration of ``arena exploitability``: the OpenSpiel duel unless ``--game``,
    ``--players`` or ``--param`` say otherwise (without ``--game``, they change the duel)."""
    import games
    from arena.cli.tournament import table_params
    from games import openspiel as bridge

    params = {} if args.game else dict(bridge.OPENSPIEL_PARAMS)
    params.update(table_params(args, use_default=False))
    return games.make(args.game or "liars_dice", **params)


def _exact_exploitability(args: argparse.Namespace) -> int:
    """Exact NashConv of an agent's policy in the OpenSpiel configuration of Liar's Dice."""
    import numpy as np

    from agents.base import load_agent
    from games import openspiel as bridge
    from trainers.exact import policy_nash_conv

    game = bridge.our_game()
    agent = load_agent(args.agent)
    agent.reset(game, 0, 0)
    if not callable(getattr(agent, "policy", None)):
        raise ValueError(
            f"agent {args.agent!r} provides no policy(obs): exact NashConv needs one "
            "(--approximate learns a lower bound from its moves)"
        )
    batch = getattr(agent, "policy_batch", None)

    def policy(observations):
        if callable(batch):
            return np.asarray(batch(observations))
        return np.stack([agent.policy(o) for o in observations])

    try:
        value = policy_nash_conv(policy)
    except NotImplementedError as exc:
        raise ValueError(
            f"agent {args.agent!r} has no explicit policy: {exc} (--approximate learns a lower "
            "bound from its moves)"
        ) from exc
    if args.json:
        exact = {"agent": args.agent, "mode": "exact", "nash_conv": value}
        print(json.dumps({**exact, "exploitability": value / 2}))
    else:
        print(f"{args.agent}: NashConv {value:.4f} (exploitability {value / 2:.4f})")
    return 0


def _approximate_exploitability(args: argparse.Namespace, game) -> int:
    """Train a best response to the agent, measure it on fresh games, report the lower bound."""
    import math

    import torch
    from tqdm import tqdm

    from trainers import best_response as br

    cfg = br.ResponseConfig(
        budget=EXPLOIT_BUDGET if args.budget is None else args.budget,
        eval_games=EXPLOIT_GAMES if args.games is None else args.games,
        seed=args.seed or 0,
    )
    if args.save:
        _check_save_dir(Path(args.save))
    torch.set_num_threads(1)
    total = cfg.num_updates * cfg.num_envs * cfg.steps_per_env
    games_played = math.ceil(cfg.eval_games / game.num_players) * game.num_players
    bars = [tqdm(total=total, unit="dec", desc="best response", disable=args.quiet)]

    def progress(decisions: int, metrics: dict[str, float]) -> None:
        bars[0].update(decisions - bars[0].n)
        bars[0].set_postfix_str(f"return {metrics['mean_return']:+.3f}", refresh=False)

    def on_games(done: int) -> None:
        if len(bars) == 1:  # training is over: its bar gives way to the evaluation's
            bars[0].close()
            bars.append(
                tqdm(total=games_played, unit="game", desc="evaluation", disable=args.quiet)
            )
        bars[-1].update(done)

    try:
        result, actor = br.approximate_exploitability(args.agent, game, cfg, progress, on_games)
    finally:
        for bar in bars:
            bar.close()
    if args.save:
        br.save_response(args.save, actor, game, result)
    print(json.dumps(result.to_json()) if args.json else result.describe())
    if args.save and not args.json:
        print(f"best response saved: {args.save} (an agent spec)")
    return 0


def _check_save_dir(path: Path) -> None:
    """Refuse, before training, a ``--save`` path holding anything but an agent package."""
    occupied = path.exists() and (not path.is_dir() or any(path.iterdir()))
    if occupied and not (path / "agent.json").is_file():
        raise UsageError(f"--save {path}: exists and is not an agent package; give a new path")


def add_parsers(sub) -> None:
    """Register ``train`` and ``exploitability`` on the ``arena`` sub-command parser."""
    p = sub.add_parser(
        "train",
        help="train an agent (self-play CTDE, CADP, CTEDD; full-width MMD, CFR+ on the duel) "
        "and export its package",
        description=(
            "Train from a TOML config (a path, or the name of a shipped config: "
            "liars_dice_duel_ctde, liars_dice_ctde, skull_ctde, ...). Metrics go to "
            "OUT/metrics.csv (and TensorBoard if installed), checkpoints to OUT/checkpoint.pt, "
            "the curves to OUT/curves.png and the agent package to OUT/agent. Every setting is "
            "checked before training starts. Ctrl-C or SIGTERM writes a checkpoint and stops "
            "(Ctrl-C twice aborts); --resume OUT continues."
        ),
    )
    p.add_argument("config", nargs="?", help="TOML config path or shipped config name")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field (params.players=4 for a game parameter)",
    )
    p.add_argument("--out", metavar="DIR", help="run directory (default runs/AGENT_NAME)")
    p.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run in DIR from its checkpoint (with --set total_decisions=N: "
        "extend a finished run)",
    )
    p.add_argument(
        "--ladder",
        action="store_true",
        help="register the agent and play a placement gauntlet on the ladder",
    )
    p.add_argument(
        "--placement-games",
        type=int,
        default=20,
        metavar="N",
        help="deals per opponent in the placement gauntlet (default 20)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--db", metavar="PATH", help="ladder database for --ladder")
    p.set_defaults(func=_checked_train)

    _add_exploitability_parser(sub)


def _checked_train(args: argparse.Namespace) -> int:
    if not args.config and not args.resume:
        print("arena train: give a CONFIG or --resume DIR", file=sys.stderr)
        return 2
    return cmd_train(args)


EXPLOIT_BUDGET = 1_000_000
"""Default ``--budget`` (kept here, not imported, so that the parser does not load torch)."""
EXPLOIT_GAMES = 100_000
"""Default ``--games``."""
EXPLOITABILITY_HELP = """\
Exploitability of an agent (how much a best response to it wins). On the OpenSpiel
configuration of Liar's Dice (the duel: the default when no --game, --players or --param is
given), the exact value: NashConv and exploitability = NashConv / 2. Anywhere else, or with
--approximate, a learned lower bound: a PPO best response, kickstarted from the agent's own
moves, is trained against the frozen agent (one learner seat, copies of the agent in every
other seat, the learner's seat rotating over every position game after game), then played
greedily on fresh duplicate games (each deal played once with the response in each seat). The
report is its mean return averaged over the seats, with a 95% interval. Returns sum to 0
(winner +1, each loser -1/(N-1)), so the agent playing itself earns 0 on average (the fair
share) and this mean is the best response's gain: a lower bound on NashConv / N (on the duel,
the exploitability), up to the sampling error the interval states. The agent runs in this
process, not in the arena's sandbox: this is a trusted local evaluation tool, like training; do
not use it on agents you do not trust."""


def _add_exploitability_parser(sub) -> None:
    p = sub.add_parser(
        "exploitability",
        help="exploitability of an agent: exact on the duel, a learned lower bound elsewhere",
        description=EXPLOITABILITY_HELP,
    )
    p.add_argument(
        "agent", metavar="SPEC", help="agent spec (random, heuristic, zoo:NAME, a path...)"
    )
    p.add_argument(
        "--game", help="the game (default liars_dice in the OpenSpiel duel configuration)"
    )
    p.add_argument("--players", type=int, metavar="N", help="seats (the game's players parameter)")
    p.add_argument("--param", action="append", metavar="K=V", help="game parameter (repeatable)")
    p.add_argument(
        "--approximate",
        action="store_true",
        help="learn a best response even where the exact value exists (the duel)",
    )
    p.add_argument(
        "--budget",
        type=int,
        metavar="N",
        help=f"learner decisions to train the best response on (default {EXPLOIT_BUDGET:,}; "
        "the agent's own moves are not counted)",
    )
    p.add_argument(
        "--games",
        type=int,
        metavar="N",
        help=f"fresh evaluation games (default {EXPLOIT_GAMES:,}): deals of one game per seat",
    )
    p.add_argument(
        "--seed", type=int, metavar="N", help="seed of training and evaluation (default 0)"
    )
    p.add_argument(
        "--save", metavar="DIR", help="save the best response as an agent package in DIR"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_exploitability)
