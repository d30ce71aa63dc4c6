"""``arena check-agent``: does an agent load, play legally and in time, quit, and keep quiet?

The checks play through the same path as a tournament (:class:`arena.referee.Referee` and
sandboxed agent hosts), so an agent that passes them plays tournaments without forfeits,
whatever its kind (a built-in, a package, ``module:factory``, a ``cmd:`` program):

1. **loads** — in a sandboxed host (for a program: it starts and answers the handshake);
2. **plays CONFIG** — for each configuration (``--game``, or every player count of every game
   plus the OpenSpiel duel), a short gauntlet against ``random`` with the agent in every seat,
   from seeded deals: every answer must be a legal action, on time, without an error (a
   configuration the agent says it cannot play is skipped, not failed);
3. **quits** — a program told ``quit`` exits with status 0 within :data:`QUIT_TIMEOUT` s;
4. **no stray output** — nothing written to stdout outside the protocol (its stderr is its
   log and may hold anything).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import games
from agents.protocol import QUIT_TIMEOUT
from arena.hosts import HostError, ProcessHost
from arena.ladder import GameRow
from arena.options import RunOptions
from arena.referee import Referee
from arena.sandbox import use_sandbox

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
DUEL = {"players": 2, "dice": 1, "mode": "single_round"}
"""The OpenSpiel Liar's Dice configuration (also checked by default)."""
OPPONENT = "random"


@dataclass(frozen=True)
class Check:
    """One line of the report: ``status`` is PASS, FAIL or SKIP."""

    name: str
    status: str
    detail: str

    def to_json(self) -> dict[str, str]:
        """The check as a JSON object."""
        return {"check": self.name, "status": self.status, "detail": self.detail}


def default_configurations() -> list[tuple[str, dict[str, Any]]]:
    """Every player count of every game with default parameters, and the duel."""
    configs: list[tuple[str, dict[str, Any]]] = []
    for cls in games.list_games():
        players = next(p for p in cls.PARAMS if p.name == "players")
        configs += [(cls.name, {"players": n}) for n in players.allowed]
        if cls.name == "liars_dice":
            configs.append((cls.name, dict(DUEL)))
    return configs


def describe(game: str, params: dict[str, Any]) -> str:
    """``liars_dice players=2 dice=1`` for the report."""
    return " ".join([game, *(f"{k}={v}" for k, v in params.items())])


def check_agent(
    spec: str,
    configurations: Sequence[tuple[str, dict[str, Any]]],
    *,
    games_per_config: int = 2,
    move_timeout: float = 10.0,
    options: RunOptions | None = None,
    seed: int = 0,
    on_check: Callable[[Check], None] | None = None,
) -> list[Check]:
    """Run the checks of the module docstring; the checks in the order they ran.

    Args:
        spec: the agent spec.
        configurations: ``(game, params)`` to play (see :func:`default_configurations`).
        games_per_config: deals per configuration (each played in every seat rotation).
        move_timeout: seconds per move, as in a tournament.
        options: sandbox, limits and load timeout.
        seed: root seed of the deals (the checks are reproducible).
        on_check: called with each check as soon as it is known (for live output).
    """
    from agents.external import command_of

    options = options or RunOptions()
    report: list[Check] = []

    def add(check: Check) -> None:
        report.append(check)
        if on_check is not None:
            on_check(check)

    is_program = command_of(spec) is not None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as log:
        playable, name = [], ""
        for game, params in configurations:
            loaded, said = _load(spec, game, params, options, log)
            if loaded:
                playable.append((game, params))
                name = said
            elif "cannot play" in said:
                why = said.split("): ", 1)[-1]  # drop "Error: agent X cannot play games.make(..."
                add(Check(f"plays {describe(game, params)}", SKIP, f"cannot play it: {why}"))
            else:
                add(Check("loads", FAIL, said))
                return report
        if not playable:
            add(Check("loads", FAIL, "the agent can play none of the configurations checked"))
            return report
        where = "a sandboxed host" if _sandboxed(options) else "a host (no sandbox)"
        add(Check("loads", PASS, f"{name!r} in {where}"))
        quits: Check | None = None
        for game, params in playable:
            graceful = quits is None or quits.status == PASS  # a stubborn program: once
            timing = (games_per_config, move_timeout, seed)
            check, status = _play(spec, game, params, *timing, options, out, log, graceful)
            add(check)
            if is_program and quits is None and (status is not None or check.status == PASS):
                quits = _quit_check(status)  # the quit that ended its games
        if is_program:
            add(quits or _quits(spec, *playable[0], options, log))
        out.seek(0)
        stray = out.read(200)
        if stray:
            size = out.seek(0, 2)
            add(Check("no stray output", FAIL, f"{size} bytes on stdout: {stray[:60]!r}"))
        else:
            add(Check("no stray output", PASS, "nothing on stdout outside the protocol"))
    return report


def _sandboxed(options: RunOptions) -> bool:
    return use_sandbox(options.sandbox)


def _host(spec: str, game: str, params: dict, options: RunOptions, log: Any) -> ProcessHost:
    return ProcessHost(
        spec,
        game,
        params,
        sandboxed=_sandboxed(options),
        log=log,
        load_timeout=options.load_timeout,
    )


def _load(spec: str, game: str, params: dict, options: RunOptions, log: Any) -> tuple[bool, str]:
    """``(True, the agent's name)`` when it loads for the configuration, else
    ``(False, why not)``."""
    host = _host(spec, game, params, options, log)
    try:
        host.start()
    except HostError as exc:
        return False, exc.reason.removeprefix("failed to start: ")
    finally:
        host.close()
    return True, host.agent_name


def _play(
    spec: str,
    game: str,
    params: dict,
    deals: int,
    move_timeout: float,
    seed: int,
    options: RunOptions,
    out: Any,
    log: Any,
    graceful: bool = True,
) -> tuple[Check, int | None]:
    """A gauntlet against random in every seat; PASS when the agent forfeits no game. Also
    what the agent's host returned when told to stop at the end (``graceful``; else it is
    killed, and None): a program's exit status after ``quit``."""
    from arena.tournament import TournamentConfig

    config = TournamentConfig(
        game=game,
        params=params,
        agents=(spec, OPPONENT) if spec != OPPONENT else (spec, "heuristic"),
        format="gauntlet",
        games_per_pairing=deals,
        seed=seed,
        move_timeout=move_timeout,
    )
    referee = Referee(config, options, log, out=out)
    try:
        rows = referee.play(config.schedule())
    finally:
        statuses = referee.close(graceful)
    name = f"plays {describe(game, params)}"
    faults = [_fault(row, spec) for row in rows]
    faults = [f for f in faults if f is not None]
    moves = sum(row.moves for row in rows)
    if faults:
        detail = f"forfeited {len(faults)} of {len(rows)} games; first: {faults[0]}"
        return Check(name, FAIL, detail), statuses.get(spec)
    detail = f"{len(rows)} games, {moves} moves, every answer legal and on time"
    return Check(name, PASS, detail), statuses.get(spec)


def _fault(row: GameRow, spec: str) -> str | None:
    """The reason ``spec`` forfeited this game, if it did."""
    for seat, reason in row.forfeits:
        if row.seats[seat] == spec:
            return str(reason)
    return None


def _quits(spec: str, game: str, params: dict, options: RunOptions, log: Any) -> Check:
    """A program told to quit exits with status 0 (in a host of its own: used when the
    plays checks could not tell, the program having died while playing)."""
    host = _host(spec, game, params, options, log)
    try:
        host.start()
    except HostError as exc:
        return Check("quits", FAIL, exc.reason)
    return _quit_check(host.stop([]))


def _quit_check(status: int | None) -> Check:
    """The quits check of a program whose host's stop returned ``status``."""
    if status == 0:
        return Check("quits", PASS, "exits with status 0 when told to quit")
    if status is None:
        return Check("quits", FAIL, f"did not exit within {QUIT_TIMEOUT:g} s of quit (killed)")
    return Check("quits", FAIL, f"exit status {status} after quit")


def failed(report: Iterable[Check]) -> bool:
    """Whether any check failed."""
    return any(check.status == FAIL for check in report)
