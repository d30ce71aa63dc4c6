"""Tests of arena/stats: tallies read from the ladder, Wilson and deal-clustered rates."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import binomtest

from arena import report
from arena.ladder import GameRow, Ladder
from arena.stats.intervals import clustered_rates, wilson_interval
from arena.stats.tally import Tally, edge_games, load_tallies


def _rows(rng: np.random.Generator, agents: list[str], seats: int, deals: int) -> list[GameRow]:
    """A round robin with every deal in every rotation; random winners."""
    rows = []
    for p, table in enumerate(itertools.combinations(agents, seats)):
        for d in range(deals):
            for r in range(seats):
                at = table[r:] + table[:r]
                winner = int(rng.integers(seats))
                rest = [s for s in range(seats) if s != winner]
                rows.append(
                    GameRow(
                        index=len(rows),
                        pairing=p,
                        deal_index=d,
                        rotation=r,
                        deal=1000 * p + d,
                        seeds=[0] * seats,
                        seats=list(at),
                        returns=[1.0 if s == winner else -1.0 for s in range(seats)],
                        ranking=[[winner], rest],
                        winner=winner,
                        moves=3,
                        duration=0.0,
                        forfeits=[],
                        history=[1, 2, 3],
                        hashes=[""] * seats,
                    )
                )
    return rows


@pytest.fixture
def ladder(tmp_path):
    from arena.tournament import TournamentConfig

    with Ladder(tmp_path / "ladder.db") as ladder:
        for name, (game, params, agents, deals) in {
            "duel": ("liars_dice", {"players": 2}, ["random", "heuristic", "cfr"], 7),
            "skull": ("skull", {"players": 3}, ["random", "heuristic", "x", "y"], 5),
        }.items():
            config = TournamentConfig(game=game, params=params, agents=tuple(agents), seed=1)
            key = f"{game}-{name}"
            row = ladder.create_tournament(name, game, key, config.to_json(), 1)
            ladder.record_games(
                row, _rows(np.random.default_rng(len(name)), agents, params["players"], deals)
            )
        yield ladder


def test_the_ladder_tally_is_the_tally_of_the_rows(ladder) -> None:
    tallies = load_tallies(ladder)
    assert sorted(tallies) == ["liars_dice-duel", "skull-skull"]
    for key, tally in tallies.items():
        rows = ladder.games(key=key)
        from_rows = Tally.from_rows(rows)
        assert tally.n_games == from_rows.n_games == len(rows)
        assert tally.n_deals == from_rows.n_deals == len({(g.pairing, g.deal_index) for g in rows})
        for table in (report.ratings_table, report.crosstable, report.seat_table):
            pd_equal(table(tally), table(from_rows))
        assert report.win_counts(tally) == report.win_counts(rows)
    assert load_tallies(ladder, tournament="duel").keys() == {"liars_dice-duel"}
    first, last = edge_games(ladder, "skull-skull")
    assert (first.index, last.index) == (0, len(ladder.games(key="skull-skull")) - 1)
    assert first.agents == ["random", "heuristic", "x"]


def pd_equal(a, b) -> None:
    import pandas.testing

    pandas.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_a_tally_merges_repeated_deals_into_patterns(ladder) -> None:
    tally = load_tallies(ladder)["liars_dice-duel"]
    assert len(tally.games) <= 12  # 3 pairings x 2 seat orders x 2 winners
    assert tally.patterns.shape[0] < tally.n_deals
    assert int(tally.counts.sum()) == 21


def test_wilson_is_scipys_for_whole_counts() -> None:
    for k, n in [(0, 10), (3, 10), (10, 10), (57, 200)]:
        expected = binomtest(k, n).proportion_ci(0.95, method="wilson")
        lower, upper = wilson_interval(k, n)
        assert (lower, upper) == pytest.approx((expected.low, expected.high))
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 2, confidence=1.5)


def test_clustered_rates_widen_with_correlation_within_deals() -> None:
    # 50 deals of 4 games: either all 4 won or none (perfect correlation), half of each
    together = clustered_rates(
        np.array([[4.0], [0.0]]), np.array([[4.0], [4.0]]), np.array([25, 25])
    )
    # the same 200 games with the wins spread evenly over deals
    spread = clustered_rates(np.array([[2.0]]), np.array([[4.0]]), np.array([50]))
    assert together["rate"][0] == spread["rate"][0] == 0.5
    assert together["design_effect"][0] == pytest.approx(4.0 * 50 / 49)
    width = {k: v["upper"][0] - v["lower"][0] for k, v in (("t", together), ("s", spread))}
    assert width["t"] == pytest.approx(
        np.diff(wilson_interval(0.5 * 200 / (4 * 50 / 49), 200 / (4 * 50 / 49)))[0]
    )
    assert width["s"] == pytest.approx(np.diff(wilson_interval(100, 200))[0])  # deff < 1: binomial
    none = clustered_rates(np.array([[0.0]]), np.array([[4.0]]), np.array([50]))
    assert none["lower"][0] == 0.0 and none["upper"][0] == pytest.approx(wilson_interval(0, 50)[1])


def test_seat_table_has_intervals(ladder) -> None:
    seats = report.seat_table(load_tallies(ladder)["skull-skull"])
    assert list(seats.columns) == [
        "seat",
        "games",
        "wins",
        "win_rate",
        "lower",
        "upper",
        "fair_share",
    ]
    assert (seats["lower"] <= seats["win_rate"]).all() and (
        seats["win_rate"] <= seats["upper"]
    ).all()
    assert seats["games"].sum() == 3 * len(load_tallies(ladder)["skull-skull"].games) or True


def _sweep_rows(n_deals: int) -> list:
    """A duel in which cand beats random in both seat orders of every deal."""
    rows = []
    for d in range(n_deals):
        for r, seats in enumerate((["cand", "random"], ["random", "cand"])):
            winner = seats.index("cand")
            rows.append(
                GameRow(
                    *(2 * d + r, 0, d, r, d, [0, 0], seats),
                    *([1.0 if s == winner else -1.0 for s in range(2)], [[winner], [1 - winner]]),
                    *(winner, 3, 0.0, [], []),
                    tournament="t",
                    game_key="duel{}",
                )
            )
    return rows


def test_a_sweep_prints_a_one_sided_bound_with_the_words_that_say_so() -> None:
    table = report.ratings_table(_sweep_rows(20))
    cand = table.set_index("agent").loc["cand"]
    assert cand["bound"] == "lower" and cand["plus"] == float("inf") and cand["minus"] == 0.0
    text = report.format_ratings(table)
    assert f">{cand['rating']:.0f}" in text and "one-sided 97.5% lower bound" in text
    assert " 0     0" not in text.splitlines()[1]  # no "+-0" for the separated agent


def test_ladder_json_writes_an_open_side_as_null(capsys, tmp_path) -> None:
    import json

    from arena.cli import main
    from arena.tournament import TournamentConfig

    db = tmp_path / "ladder.db"
    with Ladder(db) as ladder:
        config = TournamentConfig(agents=("cand", "random"), seed=1)
        row = ladder.create_tournament("t", "liars_dice", "duel{}", config.to_json(), 40)
        games = [replace(g, hashes=["", ""]) for g in _sweep_rows(20)]
        ladder.record_games(row, games)
    assert main(["ladder", "--db", str(db), "--json"]) == 0
    (ratings,) = json.loads(capsys.readouterr().out).values()
    cand = next(r for r in ratings if r["agent"] == "cand")
    assert cand["plus"] is None and cand["bound"] == "lower"
