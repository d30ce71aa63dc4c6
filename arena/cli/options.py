"""How to play, not what: the ``--workers`` ... ``--load-timeout`` options shared by
``arena tournament`` and ``arena match`` (:class:`arena.options.RunOptions`)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys

from arena.cli.common import UsageError

RAY_MISSING = "the Ray executor needs the ray extra: pip install 'bluff-arena[ray]'"


def default_workers() -> int:
    """``--workers`` when not given: the CPU cores, at most 8."""
    return min(os.cpu_count() or 1, 8)


def run_options(args: argparse.Namespace):
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


def warn_without_sandbox(isolation: str | None, options) -> None:
    """Say once, on stderr, which protections a run lacks when bubblewrap is missing."""
    from arena.sandbox import bwrap_works, missing_protections

    auto = options.sandbox == "auto" and options.executor == "local"
    if isolation == "process" and auto and not bwrap_works():
        print(f"arena: warning: {missing_protections(False)}", file=sys.stderr)


def add_run_options(p: argparse.ArgumentParser) -> None:
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
        default=opt.DEFAULT_LOAD_TIMEOUT,
        metavar="SECONDS",
        help="seconds an agent may take to load before its games are forfeited "
        f"(default {opt.DEFAULT_LOAD_TIMEOUT:g})",
    )
