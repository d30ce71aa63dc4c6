"""One game of ``arena play``: the state, the agents, the log, and its record in the ladder.

:class:`GameSession` knows nothing of Textual: the screens ask it for the human's view, send it
the human's moves, hand agents' observations to workers and give their answers back. Chance is
drawn like :mod:`arena.match` (one uniform number per chance node from a seeded generator).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import numpy as np

from arena.ladder import Ladder, game_key
from arena.match import MatchResult, forfeit_returns, sample_chance
from arena.players import Forfeit, InProcessPlayer
from arena.referee import row_of
from arena.schedule import ScheduledGame
from arena.tui.config import PlayConfig
from arena.tui.registry import game_ui
from arena.tui.view import GameView, RoundView
from games.core import IllegalActionError, Observation


@dataclass(frozen=True)
class AgentMove:
    """What an agent's worker brings back: the move, or the forfeit that replaces it.

    Attributes:
        turn: the session's decision count when the move was asked for (stale answers are
            dropped).
        seat: the agent's seat.
        action: the chosen action (``None`` on a forfeit).
        forfeit: the forfeit's reason, if any.
    """

    turn: int
    seat: int
    action: int | None
    forfeit: str | None = None


def game_seed(seed: int | None, number: int) -> int:
    """The seed of game ``number`` (0-based) of a session started with ``seed``."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    return seed + number


def play_name() -> str:
    """A fresh tournament name ``play-YYYYmmdd-HHMMSS-xxxx``."""
    return f"play-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


class GameSession:
    """One game between the human and the agents of a :class:`PlayConfig`.

    Args:
        config: the table.
        seed: this game's seed: the chance stream and the agents' seeds derive from it.

    An agent that fails to start, or fails to answer, forfeits as in :mod:`arena.match`: the
    game ends at once and is recorded with the forfeit.
    """

    def __init__(self, config: PlayConfig, seed: int) -> None:
        self.config = config
        self.seed = seed
        self.game = config.make_game()
        self.ui = game_ui(config.game)
        """The game's views, words and table screen."""
        self.state = self.game.new_initial_state()
        self.seat = config.seat
        chance_seed, *agent_seeds = np.random.SeedSequence(seed).generate_state(
            1 + config.players, np.uint32
        )
        self.deal = int(chance_seed)
        """Seed of the chance stream (recorded with the game)."""
        self.agent_seeds = tuple(int(s) for s in agent_seeds)
        """Each seat's agent seed (the human's is drawn too, and recorded, but unused)."""
        self._chance = np.random.default_rng(self.deal)
        self.names: list[str] = [
            "you" if s == self.seat else f"seat {s} ({spec})" for s, spec in enumerate(config.seats)
        ]
        self.players: dict[int, InProcessPlayer] = {
            s: InProcessPlayer(spec) for s, spec in enumerate(config.seats) if s != self.seat
        }
        self.log: list[str] = []
        """The game's moves and round ends in plain words, as the human saw them."""
        self.human_moves: list[int] = []
        """The human's moves, as action ids."""
        self.moves = 0
        self.forfeit: tuple[int, str] | None = None
        self._rounds_shown = 0
        self._rounds_logged = 0
        self._start = time.perf_counter()
        self.result: MatchResult | None = None
        self.tournament: str | None = None
        for s, player in self.players.items():
            try:
                player.reset(self.game, s, self.agent_seeds[s])
            except Forfeit as exc:  # like arena.match: an agent that cannot start forfeits
                self._forfeit(s, exc.reason)
                return
        self.run_chance()

    # -- queries ---------------------------------------------------------------------------
    @property
    def over(self) -> bool:
        """Whether the game has ended (normally or by a forfeit)."""
        return self.result is not None

    def to_move(self) -> int | None:
        """The seat to act, or ``None`` at a chance node or once the game is over."""
        player = self.state.current_player()
        return None if self.over or player < 0 else player

    @property
    def human_to_move(self) -> bool:
        """Whether the human acts now."""
        return self.to_move() == self.seat

    def view(self) -> GameView:
        """What the human may see now."""
        return self.ui.view(self.state, self.seat)

    def new_rounds(self) -> list[RoundView]:
        """Rounds finished since the last call, as the human saw them."""
        views = self.ui.round_views(self.state, self.seat, self._rounds_shown)
        self._rounds_shown += len(views)
        return views

    def agent_request(self) -> tuple[int, int, InProcessPlayer, Observation]:
        """``(turn, seat, player, observation)`` for the agent to move (for a worker)."""
        seat = self.state.current_player()
        if seat == self.seat or seat not in self.players:
            raise RuntimeError(f"seat {seat} is not an agent's seat to move")
        return self.moves, seat, self.players[seat], self.state.observation(seat)

    # -- moves -----------------------------------------------------------------------------
    def play_human(self, action: int) -> None:
        """Play the human's move ``action`` (an action id).

        Raises:
            IllegalActionError: not the human's turn, or not a legal move now.
        """
        if not self.human_to_move:
            raise IllegalActionError("it is not your turn")
        self._play(action)
        self.human_moves.append(action)

    def play_agent(self, move: AgentMove) -> bool:
        """Apply an agent's answer; False (and nothing done) when it is stale."""
        if self.over or move.turn != self.moves or self.state.current_player() != move.seat:
            return False
        if move.forfeit is not None or move.action is None:
            self._forfeit(move.seat, move.forfeit or "no move")
        else:
            self._play(move.action)
        return True

    def _play(self, action: int) -> None:
        """Apply a legal move of the player to act, and log it and what it revealed."""
        before = self.state.clone()
        self.state.apply_action(action)
        self.moves += 1
        self.log.extend(self.ui.move_lines(before, action, self.state, self.names))
        self._after_move()

    def _after_move(self) -> None:
        """Log the rounds the last move finished; finish the game at a terminal state."""
        finished = self.ui.round_views(self.state, self.seat, self._rounds_logged)
        self._rounds_logged += len(finished)
        self.log.extend(self.ui.round_line(view, self.names) for view in finished)
        if self.state.is_terminal():
            self._finish(self.state.returns())

    @property
    def chance_pending(self) -> bool:
        """Whether chance acts next (the screens show a finished round before the roll)."""
        return not self.over and self.state.is_chance_node()

    def run_chance(self) -> None:
        """Play the chance nodes up to the next decision (a roll, a disc taken at random)."""
        before = self.state.clone()
        while self.state.is_chance_node():
            self.state.apply_action(sample_chance(self.state, self._chance.random()))
        self._after_move()
        if not self.over:
            self.log.extend(self.ui.chance_lines(before, self.state, self.names))

    def _forfeit(self, seat: int, reason: str) -> None:
        self.forfeit = (seat, reason)
        self.log.append(f"{self.names[seat]} forfeits: {reason}")
        self._finish(forfeit_returns(self.game.num_players, seat))

    def _finish(self, returns: list[float] | tuple[float, ...]) -> None:
        self.result = MatchResult.of(
            returns,
            self.moves,
            time.perf_counter() - self._start,
            (self.forfeit,) if self.forfeit else (),
            self.state.history(),
        )

    # -- the ladder ------------------------------------------------------------------------
    def record(self) -> str:
        """Record the finished game in the ladder as a one-game tournament; its name."""
        if self.result is None:
            raise RuntimeError("the game is not over")
        if self.tournament is not None:
            return self.tournament
        config = self.config
        seats = list(config.seats)
        # the only game of a one-game tournament, with the seeds it was played with
        sched = ScheduledGame(
            index=0,
            pairing=0,
            deal_index=0,
            rotation=0,
            seats=tuple(seats),
            deal=self.deal,
            seeds=self.agent_seeds,
        )
        info = {"kind": "play", "game": config.game, "params": config.params, "agents": seats}
        with Ladder(config.db) as ladder:
            name = play_name()
            key = game_key(config.game, config.params)
            row = ladder.create_tournament(name, config.game, key, info, 1)
            ladder.record_game(row, row_of(sched, self.result))
            ladder.mark_finished(row)
        self.tournament = name
        return name


def think(player: InProcessPlayer, turn: int, seat: int, obs: Observation) -> AgentMove:
    """Ask an agent for its move (runs in a worker thread); a forfeit is an answer too."""
    try:
        return AgentMove(turn, seat, player.act(obs))
    except Forfeit as exc:
        return AgentMove(turn, seat, None, exc.reason)
