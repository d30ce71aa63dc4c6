"""Tournaments that stop when their question is answered: played in rounds of deals.

Two stopping rules (``TournamentConfig.stop``), both with a cap ``max_games``:

* ``{"until_ci": W}`` (``arena tournament --until-ci W``): the first round plays
  ``games_per_pairing`` deals at every table; each later round gives its deals to the tables
  whose rating differences are least resolved (the widest bootstrap intervals of a difference
  between two of their agents, deals resampled as a whole), until every rating's 95% interval
  is within +-W. A round robin grows with agents**players (20 agents at 4-player tables:
  4,845 tables), so for large fields this is how to spend games where they tell something.
* ``{"sprt": {elo0, elo1, alpha, beta}}`` (``arena match``): agent A against B (a gauntlet of
  two, so A against N-1 copies of B at N seats), ``games_per_pairing`` deals per round, until
  the SPRT on A's deal scores (:mod:`arena.sprt`) accepts H0 or H1.

Deals are numbered per table, and a game's schedule index is a pure function of (table, deal,
rotation), ``((table * cap + deal) * players + rotation)`` with ``cap`` the most deals a table
could get, and its seeds are those of the same deal in a plain tournament. Which deals a round
plays depends only on the games already recorded, so a stopped run resumes exactly
(``--resume``) and the same seed and agents give the same tournament.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arena.ladder import GameRow, Ladder, TournamentRow
from arena.options import RunOptions
from arena.schedule import SEEDINGS, ScheduledGame, pairings, rotations

MAX_ROUND_DEALS = 256
"""Most deals in one round of an ``until_ci`` tournament."""

DEFAULT_MAX_GAMES = 100_000
"""``--max-games`` of ``arena tournament --until-ci`` when not given."""


def check_stop(stop: dict[str, Any], config) -> dict[str, Any]:
    """The stopping rule, checked and normalised (see the module docstring).

    Raises:
        ValueError: Saying what is wrong and what is allowed.
    """
    from arena.sprt import Hypotheses
    from arena.tournament import MAX_GAMES

    unknown = sorted(set(stop) - {"until_ci", "sprt", "max_games", "match"})
    if unknown or ("until_ci" in stop) == ("sprt" in stop):
        raise ValueError(
            "a stopping rule is {'until_ci': W, 'max_games': N} or {'sprt': {...}, "
            f"'max_games': N}}, got {stop!r}"
        )
    cap = stop.get("max_games")
    if isinstance(cap, bool) or not isinstance(cap, int) or not config.players <= cap <= MAX_GAMES:
        raise ValueError(
            f"--max-games must be an integer from {config.players} (one deal) to {MAX_GAMES:,}, "
            f"got {cap!r}"
        )
    if "until_ci" in stop:
        width = stop["until_ci"]
        if isinstance(width, bool) or not isinstance(width, int | float) or not width > 0:
            raise ValueError(f"--until-ci takes a positive half-width in Elo, got {width!r}")
        if not math.isfinite(width):
            raise ValueError(f"--until-ci must be finite, got {width!r}")
        return {"until_ci": float(width), "max_games": cap}
    if len(config.agents) != 2 or config.format != "gauntlet":
        raise ValueError("an SPRT match is a gauntlet of exactly two agents (arena match A B)")
    if not isinstance(stop["sprt"], dict):
        raise ValueError(
            f"the sprt rule is a dict of elo0, elo1, alpha, beta, got {stop['sprt']!r}"
        )
    try:
        hypotheses = Hypotheses(**stop["sprt"])
    except TypeError as exc:
        raise ValueError(f"the sprt rule takes elo0, elo1, alpha, beta: {exc}") from None
    return {"sprt": hypotheses.to_json(), "max_games": cap, "match": str(stop.get("match", ""))}


def deal_cap(config) -> int:
    """The most deals one table may get: all of ``max_games``."""
    return int(config.stop["max_games"]) // config.players + 1


def deal_games(config, pairing: int, deal: int) -> list[ScheduledGame]:
    """The games of deal ``deal`` of table ``pairing``, one per rotation."""
    seed_of = SEEDINGS[config.seeding]
    table = pairings(config.agents, config.players, config.format)[pairing]
    seed = seed_of(config.seed, "deal", pairing, deal)
    first = (pairing * deal_cap(config) + deal) * config.players
    return [
        ScheduledGame(
            first + r,
            pairing,
            deal,
            r,
            seats,
            seed,
            tuple(seed_of(config.seed, "agent", pairing, deal, r, s) for s in range(len(seats))),
        )
        for r, seats in enumerate(rotations(table))
    ]


def run_rounds(
    ladder: Ladder,
    tournament: TournamentRow,
    *,
    options: RunOptions | None = None,
    on_game: Callable[[GameRow], None] | None = None,
    on_round: Callable[[str], None] | None = None,
):
    """Play ``tournament`` (its config has a stopping rule) round by round until it stops.

    ``on_round`` receives a line after every round (the widest interval, or the SPRT's state).

    Returns:
        The :class:`arena.tournament.RunSummary` of all the rounds played by this call.
    """
    from arena.tournament import RunSummary, TournamentConfig, run

    config = TournamentConfig.from_json(tournament.config)
    if "sprt" in config.stop:
        match = run_match(ladder, [tournament], options=options, on_game=on_game, on_round=on_round)
        remaining = 0 if not match.interrupted else tournament.total_games - match.games
        return RunSummary(tournament, match.played, remaining, match.interrupted)
    plan = Rounds(ladder, tournament, config)
    played, interrupted = 0, False
    while True:
        deals, line = plan.next()
        if on_round is not None and line:
            on_round(line)
        if not deals:
            ladder.mark_finished(tournament)
            break
        games = [g for table, deal in deals for g in deal_games(config, table, deal)]
        summary = run(ladder, tournament, options=options, on_game=on_game, games=games)
        played += summary.played
        if summary.interrupted:
            interrupted = True
            break
    remaining = 0 if not interrupted else tournament.total_games - plan.games_recorded()
    return RunSummary(tournament, played, remaining, interrupted)


class Rounds:
    """The rounds of an ``until_ci`` tournament, replayed from the recorded games.

    Round ``k`` is a function of the games of rounds ``0..k-1`` only, so the plan is rebuilt
    by replaying the rounds whose deals are all recorded; the first round with a deal missing
    is the one an interruption cut short, and its missing deals are played first. A resumed
    tournament therefore plays exactly the deals an uninterrupted one would have.
    """

    def __init__(self, ladder: Ladder, tournament: TournamentRow, config) -> None:
        self.ladder, self.tournament, self.config = ladder, tournament, config
        self.tables = pairings(config.agents, config.players, config.format)
        self.done: list[tuple[int, int]] = []  # the deals of the complete rounds, in order
        self.line = ""
        self._planned: tuple[int, list[tuple[int, int]], str] | None = None

    def games_recorded(self) -> int:
        """Games of this tournament in the ladder."""
        return sum(self._recorded().values())

    def _recorded(self) -> dict[tuple[int, int], int]:
        rows = self.ladder.conn.execute(
            "SELECT pairing, deal_index, COUNT(*) FROM games WHERE tournament_id = ?"
            " GROUP BY pairing, deal_index",
            (self.tournament.id,),
        )
        return {(p, d): n for p, d, n in rows}

    def next(self) -> tuple[list[tuple[int, int]], str]:
        """The ``(table, deal)`` pairs to play next (none: the tournament is over), and a line
        on where it stands (empty before the first round is complete)."""
        recorded = self._recorded()
        while True:
            plan = self._plan()
            if not plan:
                return [], self.line
            missing = [deal for deal in plan if recorded.get(deal, 0) < self.config.players]
            if missing:
                return missing, self.line
            self.done += plan  # a complete round: on to the next one

    def _plan(self) -> list[tuple[int, int]]:
        """The deals of the round after ``self.done`` (empty: stop), setting ``self.line``;
        computed once per round (the next call, once the round is played, finds it)."""
        if self._planned is None or self._planned[0] != len(self.done):
            plan = self._new_plan()
            self._planned = (len(self.done), plan, self.line)
        _, plan, self.line = self._planned
        return plan

    def _new_plan(self) -> list[tuple[int, int]]:
        config = self.config
        budget = config.stop["max_games"] // config.players - len(self.done)
        if not self.done:
            first = [
                (t, d) for t in range(len(self.tables)) for d in range(config.games_per_pairing)
            ]
            return first[: max(budget, 0)]
        widths, self.line = self._widths()
        if not widths:
            return []
        if budget <= 0:
            self.line += f"; stopped at --max-games {config.stop['max_games']}"
            return []
        return self._allocate(widths)[:budget]

    def _tally(self):
        from arena.stats.tally import Tally

        done = set(self.done)
        rows = self.ladder.games(tournament=self.tournament.name)
        return Tally.from_rows(g for g in rows if (g.pairing, g.deal_index) in done)

    def _widths(self) -> tuple[list[float], str]:
        """Each table's least resolved rating difference (empty when every rating is within
        the target), and a line on the widest interval."""
        from arena import report
        from arena.ratings import difference_widths

        tally = self._tally()
        table = report.ratings_table(tally)
        half = np.maximum(table["minus"].to_numpy(), table["plus"].to_numpy())
        worst, target = int(np.argmax(half)), self.config.stop["until_ci"]
        line = (
            f"{tally.n_games} games: widest interval +-{half[worst]:.0f} "
            f"({table['agent'][worst]}), target +-{target:g}"
        )
        if half.max() <= target:
            return [], line + ": every rating resolved"
        pairs = difference_widths(tally.clustered())
        label = {spec: spec for spec in self.config.agents}
        label.update({spec: lab for lab, spec in tally.specs.items()})
        widths = []
        for seats in self.tables:
            agents = sorted({label[s] for s in seats})
            pair_widths = [pairs.get((a, b), math.inf) for a in agents for b in agents if a != b]
            widths.append(max(pair_widths, default=0.0))
        return widths, line

    def _allocate(self, widths: Sequence[float]) -> list[tuple[int, int]]:
        """The next round's deals: spread one at a time over the least resolved half of the
        tables (widest first; fewer deals, then table order, break ties)."""
        started = np.zeros(len(self.tables), dtype=np.int64)
        for table, deal in self.done:
            started[table] = max(started[table], deal + 1)
        size = _round_size(len(self.tables), len(self.done))
        order = sorted(range(len(widths)), key=lambda t: (-widths[t], started[t], t))
        chosen = order[: max(1, (len(order) + 1) // 2)]
        out = []
        for k in range(size):
            table = chosen[k % len(chosen)]
            out.append((table, int(started[table])))
            started[table] += 1
        return out


def _round_size(tables: int, deals: int) -> int:
    """Deals in a later round of an ``until_ci`` tournament: half the tables, or a tenth of
    the deals played, whichever is more, at least 8 and at most :data:`MAX_ROUND_DEALS`."""
    return min(MAX_ROUND_DEALS, max(8, (tables + 1) // 2, deals // 10))


@dataclass
class MatchRun:
    """What :func:`run_match` did, and where the test stands."""

    result: Any
    """The :class:`arena.sprt.Result` on every complete round so far."""
    played: int
    """Games played by this call."""
    games: int
    """Games of the match in the ladder."""
    interrupted: bool


def run_match(
    ladder: Ladder,
    tournaments: Sequence[TournamentRow],
    *,
    options: RunOptions | None = None,
    on_game: Callable[[GameRow], None] | None = None,
    on_round: Callable[[str], None] | None = None,
) -> MatchRun:
    """Play an SPRT match (one tournament per game, the same agents and test) in rounds.

    Round ``k`` plays deals ``k*R .. (k+1)*R - 1`` of every game (``R`` the configs'
    ``games_per_pairing``); after each round the test looks at the deals of all games so far.
    Completed rounds are replayed from the ladder, so a resumed match looks at the test
    exactly where an uninterrupted one would have.
    """
    from arena.sprt import Hypotheses
    from arena.tournament import TournamentConfig, run

    configs = [TournamentConfig.from_json(t.config) for t in tournaments]
    hypotheses = Hypotheses(**configs[0].stop["sprt"])
    size, cap = configs[0].games_per_pairing, configs[0].stop["max_games"]
    per_deal = sum(c.players for c in configs)  # games of one deal of every game
    played, start = 0, 0
    while True:
        result = _pooled(ladder, tournaments, configs, start, hypotheses)
        if start and on_round is not None:
            on_round(result.summary(hypotheses))
        count = min(size, cap // per_deal - start)  # the last round may be cut by the cap
        if result.decision or count <= 0:
            for tournament in tournaments:
                ladder.mark_finished(tournament)
            return MatchRun(result, played, _match_games(ladder, tournaments), False)
        deals, start = range(start, start + count), start + count
        for tournament, config in zip(tournaments, configs, strict=True):
            done = ladder.done_indices(tournament)
            games = [g for d in deals for g in deal_games(config, 0, d) if g.index not in done]
            if not games:
                continue  # a round played before an interruption: replayed, not played
            summary = run(ladder, tournament, options=options, on_game=on_game, games=games)
            played += summary.played
            if summary.interrupted:
                return MatchRun(result, played, _match_games(ladder, tournaments), True)


def _match_games(ladder: Ladder, tournaments: Sequence[TournamentRow]) -> int:
    return sum(recorded_games(ladder, t) for t in tournaments)


def recorded_games(ladder: Ladder, tournament: TournamentRow) -> int:
    """Games of ``tournament`` in the ladder."""
    (count,) = ladder.conn.execute(
        "SELECT COUNT(*) FROM games WHERE tournament_id = ?", (tournament.id,)
    ).fetchone()
    return int(count)


def _pooled(ladder, tournaments, configs, deals: int, hypotheses):
    """The test on the first ``deals`` deals of every game of a match."""
    from arena.sprt import evaluate
    from arena.stats.tally import Tally

    scores: list[float] = []
    games = 0
    for tournament, config in zip(tournaments, configs, strict=True):
        rows = [g for g in ladder.games(tournament=tournament.name) if g.deal_index < deals]
        mine = deal_scores(Tally.from_rows(rows), config) if rows else []
        scores += mine
        games += len(mine) * config.players
    seats = configs[0].players if len({c.players for c in configs}) == 1 else 0
    return evaluate(scores, hypotheses, seats, games=games)


def deal_scores(tally, config) -> list[float]:
    """A's mean pairwise score against B's seats in every complete deal of a match's tally."""
    from arena.ratings import game_scores

    a = config.agents[0]
    label = next((lab for lab, spec in tally.specs.items() if spec == a), a)
    scores: list[float] = []
    for pattern, count in zip(tally.patterns, tally.counts, strict=True):
        games, times = pattern.indices, pattern.data
        if times.sum() != config.players:
            continue  # an interrupted deal: its missing rotations are played first
        per_game = [game_scores(tally.outcome(g)).get(label, 0.5) for g in games]
        scores += [float(np.dot(per_game, times) / times.sum())] * int(count)
    return scores


def stop_rule(until_ci: float | None, max_games: int | None) -> dict[str, Any] | None:
    """The stopping rule of ``arena tournament --until-ci W [--max-games N]`` (None without).

    Raises:
        ValueError: ``--max-games`` without ``--until-ci`` (values are checked with the config).
    """
    if until_ci is None:
        if max_games is not None:
            raise ValueError(
                "--max-games goes with --until-ci (a plain tournament plays its schedule)"
            )
        return None
    return {
        "until_ci": until_ci,
        "max_games": DEFAULT_MAX_GAMES if max_games is None else max_games,
    }
