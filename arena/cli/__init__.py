"""The ``arena`` command: games, agents, tournaments, the ladder and reports.

One module per command (``catalog``: games and agents; ``tournament``; ``play``; ``ladder``:
ladder, report, export; ``match``; ``replay``; ``check``: check-agent; ``train``:
train and exploitability), what they share in :mod:`~arena.cli.common` and
:mod:`~arena.cli.options`. Bad input (unknown game, parameter, agent, format...) gets a
one-line error on stderr and exit status 2, and writes nothing: every check runs before the
ladder is opened for writing. An internal error (a bug, a locked database, a dead worker)
prints one line and exits with status 1; its traceback goes to a crash log (:mod:`arena.logs`).
``ladder``, ``report`` and ``export`` open the ladder read-only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from arena.cli.common import UsageError, one_line


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``arena`` command."""
    parser = argparse.ArgumentParser(
        prog="arena",
        description="Skull and Liar's Dice: engines, agents, tournaments and ratings.",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", help="what to do (arena COMMAND --help for more)"
    )
    from arena.cli import catalog, check, ladder, match, play, replay, tournament, train

    for module in (catalog, tournament, play, train, ladder, match, replay, check):
        module.add_parsers(sub)
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
        print(f"arena: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("arena: aborted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `arena ladder | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug, or the system (a locked database...): not bad input
        return _internal_error(exc)


def _internal_error(exc: Exception) -> int:
    """One line on stderr, the traceback in a crash log (arena/logs.py); exit status 1."""
    from arena.logs import write_crash_log

    what = f"{type(exc).__name__}: {one_line(exc)}"
    try:
        where = f"traceback in {write_crash_log(exc)}"
    except OSError as log_error:
        import traceback

        traceback.print_exception(exc)
        where = f"traceback above; no crash log: {one_line(log_error)}"
    print(f"arena: internal error: {what} ({where})", file=sys.stderr)
    return 1
