"""The referee's boards (arena/boards.py): batched boards play exactly the per-game games."""

from __future__ import annotations

import numpy as np
import pytest

import games
from arena.boards import MIN_BATCH_BOARDS, BatchBoards, StateBoards, make_boards
from arena.match import play_match
from arena.options import RunOptions
from arena.players import InProcessPlayer
from arena.referee import Referee
from arena.tournament import TournamentConfig


def _pairs(forfeits) -> tuple:
    return tuple(tuple(f) for f in forfeits)


def _rows(config: TournamentConfig, boards: str, batch_size: int) -> list[tuple]:
    referee = Referee(config, RunOptions(batch_size=batch_size))
    if boards == "state":
        referee.boards = StateBoards(referee.game)
    try:
        played = referee.play(config.schedule())
    finally:
        referee.close()
    if boards == "batch":
        assert isinstance(referee.boards, BatchBoards)
    rows = sorted(played, key=lambda r: r.index)
    return [
        (r.index, tuple(r.returns), tuple(r.history), r.moves, _pairs(r.forfeits)) for r in rows
    ]


def _reference(config: TournamentConfig) -> list[tuple]:
    """Each game played alone with the per-game engine and the agents' own ``act``."""
    game = games.make(config.game, **config.params)
    out = []
    for sched in config.schedule():
        players = [InProcessPlayer(s) for s in sched.seats]
        r = play_match(game, players, sched.deal, sched.seeds)
        out.append((sched.index, r.returns, r.history, r.moves, _pairs(r.forfeits)))
    return out


@pytest.mark.parametrize("players", [3, 5])
def test_skull_batched_boards_play_the_games_of_the_per_game_engine(players):
    neural = ("zoo:skull",) if players == 3 else ()  # zoo:skull plays 3, 4 or 6 players
    config = TournamentConfig(
        game="skull",
        params={"players": players},
        agents=("random", "heuristic", *neural),
        games_per_pairing=3,
        seed=5,
        isolation="none",
    )
    reference = _reference(config)
    for batch_size in (17, 64):  # cohorts of 9 and 8, of 32
        assert _rows(config, "batch", batch_size) == reference
    assert _rows(config, "state", 1) == reference
    assert _rows(config, "state", 64) == reference


def test_boards_are_batched_only_without_text_views():
    game = games.make("skull", players=4)
    assert isinstance(make_boards(game, MIN_BATCH_BOARDS, text=False), BatchBoards)
    assert isinstance(make_boards(game, MIN_BATCH_BOARDS, text=True), StateBoards)
    assert isinstance(make_boards(game, MIN_BATCH_BOARDS - 1, text=False), StateBoards)
    duel = games.make("liars_dice", players=2, dice=1, mode="single_round")
    assert isinstance(make_boards(duel, 256, text=False), StateBoards)


def test_batch_boards_recycle_rows_and_keep_each_history():
    game = games.make("skull", players=3)
    boards = BatchBoards(game.batch_engine(2))
    first, second = boards.begin(1), boards.begin(2)
    with pytest.raises(RuntimeError, match="in flight"):
        boards.begin(3)
    rows = np.array([first, second])
    masks = boards.legal_masks(rows)
    actions = np.array([int(np.flatnonzero(m)[0]) for m in masks])
    boards.apply(rows, actions)
    assert boards.history(first)[-1] == actions[0]
    boards.release(first)
    again = boards.begin(3)
    assert again == first and boards.history(again) == []
