"""Scale of `arena ladder` and `arena report`: a synthetic ladder of a million games, timed.

Builds a ladder of synthetic games (a round robin of six agents of known strengths: the
Liar's Dice duel, and Skull at four players; every deal played in all seat rotations, with
deal luck shared by the rotations), then runs `arena ladder` and `arena report` on it, each in
its own process, and prints the wall time and peak memory (maximum resident set size) of each
next to the previous implementation (bench/_previous.py: every row decoded, the per-game
bootstrap) in the same run. Target: under 10 s and 1 GB on 1e6 games.

    python bench/ladder_scale.py [--games 1000000] [--only duel|skull] [--previous-games N]
                                 [--keep DIR]

``--previous-games`` runs the previous implementation on a ladder of that many games instead
(0 skips it); ``--keep DIR`` keeps the ladders there and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/arena.py would shadow the `arena` package: keep this folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402

ROOT = _HERE.parent
AGENTS = 6
STRENGTHS = np.linspace(-300.0, 200.0, AGENTS)  # Elo
KINDS = {
    "duel": ("liars_dice", {"players": 2, "dice": 1, "mode": "single_round"}, 2, 6),
    "skull": ("skull", {"players": 4}, 4, 40),
}
"""kind: (game, parameters, seats, moves per game)."""


def build(path: Path, kind: str, n_games: int, seed: int = 0) -> int:
    """Writes a synthetic ladder of about ``n_games`` games; returns how many."""
    import itertools

    from arena.ladder import Ladder
    from arena.tournament import TournamentConfig

    game, params, seats, moves = KINDS[kind]
    agents = tuple(f"agent{k}" for k in range(AGENTS))
    tables = list(itertools.combinations(range(AGENTS), seats))
    deals = max(1, n_games // (len(tables) * seats))
    config = TournamentConfig(
        game=game, params=params, agents=agents, games_per_pairing=deals, seed=seed
    )
    rng = np.random.default_rng(seed)
    with Ladder(path) as ladder:
        row = ladder.create_tournament(
            "synthetic", game, _key(game, config.params), config.to_json(), config.total_games()
        )
        ids = [ladder.agent_id(spec, "") for spec in agents]
        rows, index = [], 0
        for p, table in enumerate(tables):
            for d in range(deals):
                luck = rng.gumbel(size=seats)  # the deal's cards: each seat's luck, all rotations
                for r in range(seats):
                    at = table[r:] + table[:r]
                    noise = 0.5 * luck + rng.gumbel(size=seats)
                    winner = int(np.argmax(STRENGTHS[list(at)] / 173.7 + noise))
                    rows.append(_row(row.id, index, p, d, r, at, ids, winner, moves, rng))
                    index += 1
            if len(rows) > 200_000 or p == len(tables) - 1:
                _insert(ladder, rows)
                rows = []
    return index


def _key(game: str, params: dict) -> str:
    from arena.ladder import game_key

    return game_key(game, params)


def _row(tid, index, p, d, r, at, ids, winner, moves, rng) -> tuple:
    seats = len(at)
    returns = [1.0 if s == winner else -1.0 for s in range(seats)]
    ranking = [[winner], [s for s in range(seats) if s != winner]]
    history = rng.integers(0, 30, size=moves).tolist()
    return (
        tid,
        index,
        p,
        d,
        r,
        d * 1000 + p,
        json.dumps(rng.integers(0, 2**62, size=seats).tolist()),
        json.dumps([f"agent{k}" for k in at]),
        json.dumps([ids[k] for k in at]),
        json.dumps(returns),
        json.dumps(ranking),
        winner,
        moves,
        0.01,
        "[]",
        json.dumps(history),
        0.0,
    )


def _insert(ladder, rows: list[tuple]) -> None:
    ladder.conn.execute("BEGIN")
    ladder.conn.executemany(
        "INSERT INTO games (tournament_id, idx, pairing, deal_index, rotation, deal, seeds,"
        " seats, agent_ids, returns, ranking, winner, moves, duration, forfeits, history,"
        " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    ladder.conn.execute("COMMIT")


def timed(command: list[str]) -> tuple[float, float, str]:
    """Runs ``command``; its wall seconds, peak resident memory (MB) and output."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024.0, output


def previous(command: str, db: str) -> int:
    """The previous `arena ladder` / `arena report` (bench/_previous.py), printing the same."""
    from arena.ladder import Ladder
    from arena.report import format_ratings

    sys.path.append(str(_HERE))  # after `arena` is imported, so that it stays the package
    import _previous as old

    with Ladder(db, readonly=True) as ladder:
        grouped: dict[str, list] = {}
        for game in ladder.games():
            grouped.setdefault(game.game_key, []).append(game)
    for key, rows in grouped.items():
        print(f"{key}  ({len(rows)} games)")
        print(format_ratings(old.ratings_table(rows)))
        if command == "report":
            print(old.crosstable_matrix(rows).round(3).to_string(na_rep="-"))
            print(old.seat_table(rows).round(3).to_string(index=False))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=1_000_000)
    parser.add_argument("--only", choices=sorted(KINDS))
    parser.add_argument(
        "--previous-games", type=int, help="games of the previous implementation's ladder"
    )
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the ladders here")
    parser.add_argument("--previous-command", choices=["ladder", "report"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.previous_command:
        return previous(args.previous_command, args.db)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="ladder-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    old_games = args.games if args.previous_games is None else args.previous_games
    print(f"{'ladder':<28} {'command':<8} {'implementation':<15} {'seconds':>8} {'peak MB':>8}")
    for kind in [args.only] if args.only else list(KINDS):
        sizes = [args.games] + ([old_games] if old_games and old_games != args.games else [])
        dbs = {n: ladder_at(folder, kind, n) for n in sizes}
        for command in ("ladder", "report"):
            new = [sys.executable, "-m", "arena.cli", command, "--db", str(dbs[args.games])]
            report_line(kind, dbs[args.games], command, "current", new)
            if old_games:
                db = str(dbs[old_games])
                old = [sys.executable, __file__, "--previous-command", command, "--db", db]
                report_line(kind, dbs[old_games], command, "previous", old)
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    return 0


def ladder_at(folder: Path, kind: str, n_games: int) -> Path:
    """The synthetic ladder of ``kind`` and ``n_games``, built unless it is there."""
    path = folder / f"{kind}-{n_games}.db"
    if not path.exists():
        start = time.perf_counter()
        built = build(path, kind, n_games)
        print(f"(built {path.name}: {built:,} games in {time.perf_counter() - start:.0f} s)")
    return path


def report_line(kind: str, db: Path, command: str, which: str, argv: list[str]) -> None:
    from arena.ladder import Ladder

    with Ladder(db, readonly=True) as ladder:
        (count,) = ladder.conn.execute("SELECT COUNT(*) FROM games").fetchone()
    seconds, peak, output = timed(argv)
    label = f"{kind} {count:,} games"
    print(f"{label:<28} {command:<8} {which:<15} {seconds:>8.1f} {peak:>8.0f}", flush=True)
    if os.environ.get("BENCH_SHOW"):
        print(output)


if __name__ == "__main__":
    sys.exit(main())
