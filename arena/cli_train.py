"""``arena train`` and ``arena exploitability`` (the commands that need torch or OpenSpiel).

Kept apart from :mod:`arena.cli` so that the other commands start without importing torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_train(args: argparse.Namespace) -> int:
    """Train an agent from a TOML config; export its package; optionally place it on the ladder."""
    from trainers.checkpoint import load_checkpoint
    from trainers.config import config_from_dict, load_config
    from trainers.methods import get_method

    if args.resume:
        out = Path(args.resume)
        saved = load_checkpoint(out)["config"]
        cfg = config_from_dict(saved, args.set)
        if cfg != config_from_dict(saved):
            raise ValueError("--set cannot change the config of a run being resumed")
    else:
        cfg = load_config(args.config, args.set)
        out = Path(args.out or Path("runs") / cfg.agent_name)
        if (out / "checkpoint.pt").exists():
            raise ValueError(f"{out} already holds a run: use --resume {out} or another --out")
    method = get_method(cfg.method)
    run = method.train(cfg, out, resume=bool(args.resume), progress=not args.quiet)
    package = out / "agent"
    print(f"trained {run.decisions:,} decisions in {run.wall:.0f}s; package: {package}")
    print(f"metrics: {out / 'metrics.csv'}; curves: {out / 'curves.png'}")
    if args.ladder:
        return _place_on_ladder(str(package), cfg, args)
    return 0


def _place_on_ladder(spec: str, cfg, args: argparse.Namespace) -> int:
    """Register the agent and play a placement gauntlet against the ladder's agents."""
    from arena import tournament as tour
    from arena.cli import _run_with_progress, default_workers, format_ratings
    from arena.cli_ladder import describe_key
    from arena.ladder import Ladder, game_key
    from arena.options import RunOptions
    from arena.report import ratings_table

    with Ladder(args.db) as ladder:
        key = game_key(cfg.game, cfg.params)
        known = sorted({s for g in ladder.games(key=key) for s in g.seats} - {spec})
        opponents = [s for s in known if not s.startswith("human:")] or ["random", "heuristic"]
        config = tour.TournamentConfig(
            game=cfg.game, params=cfg.params, agents=(spec, *opponents), format="gauntlet",
            games_per_pairing=args.placement_games,
        )  # fmt: skip
        row = tour.create(ladder, config, f"placement-{cfg.agent_name}-{Path(spec).parent.name}")
        options = RunOptions(workers=default_workers())
        summary = _run_with_progress(ladder, row, options, quiet=args.quiet)
        played = ladder.games(key=key)
        table = ratings_table(played)
        new = [a for a in table.agent if a == spec or a.startswith(spec + "@")]
        print(f"\n{describe_key(key)}: {len(played)} games; * marks the new agent")
        print(format_ratings(table, marked=new))
    return 130 if summary.interrupted and summary.remaining else 0


def cmd_exploitability(args: argparse.Namespace) -> int:
    """Exact NashConv of an agent's policy in the OpenSpiel configuration of Liar's Dice."""
    import numpy as np

    from agents.base import check_agent, load_agent
    from games import openspiel as bridge

    game = bridge.our_game()
    check_agent(args.agent, game)
    agent = load_agent(args.agent)
    agent.reset(game, 0, 0)
    if not callable(getattr(agent, "policy", None)):
        raise ValueError(f"agent {args.agent!r} provides no policy(obs): NashConv needs one")
    batch = getattr(agent, "policy_batch", None)

    def policy(observations):
        if callable(batch):
            return np.asarray(batch(observations))
        return np.stack([agent.policy(o) for o in observations])

    try:
        value = bridge.nash_conv(policy)
    except NotImplementedError as exc:
        raise ValueError(f"agent {args.agent!r} has no explicit policy: {exc}") from exc
    if args.json:
        print(json.dumps({"agent": args.agent, "nash_conv": value, "exploitability": value / 2}))
    else:
        print(f"{args.agent}: NashConv {value:.4f} (exploitability {value / 2:.4f})")
    return 0


def add_parsers(sub) -> None:
    """Register ``train`` and ``exploitability`` on the ``arena`` sub-command parser."""
    p = sub.add_parser(
        "train",
        help="train an agent by self-play (CTDE, CADP, CTEDD) and export its package",
        description=(
            "Train from a TOML config (a path, or the name of a shipped config: "
            "liars_dice_duel_ctde, liars_dice_ctde, skull_ctde, ...). Metrics go to "
            "OUT/metrics.csv (and TensorBoard if installed), checkpoints to OUT/checkpoint.pt, "
            "the curves to OUT/curves.png and the agent package to OUT/agent."
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
    p.add_argument("--resume", metavar="DIR", help="continue the run in DIR from its checkpoint")
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

    p = sub.add_parser(
        "exploitability",
        help="exact NashConv of an agent on the OpenSpiel configuration of Liar's Dice",
        description="Exact NashConv of an agent on the OpenSpiel configuration of Liar's Dice.",
    )
    p.add_argument("agent", metavar="SPEC", help="agent spec (needs a policy: cfr, random, ...)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_exploitability)


def _checked_train(args: argparse.Namespace) -> int:
    if not args.config and not args.resume:
        print("arena train: give a CONFIG or --resume DIR", file=sys.stderr)
        return 2
    return cmd_train(args)
