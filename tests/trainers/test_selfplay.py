"""Collection on the batched engines: the same games as on per-game states.

Liar's Dice: every game of a batched collection is replayed in a ``LiarsDiceState`` (fed the
batch's dice); what collection saw and recorded (observations, masks, global states, views,
potentials, returns, early ends against opponents) must be what the per-game states give.
Skull: chance is drawn the same way on both engines, so a batched collection and a per-game
one from the same seed must record the same batch, field for field.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import games
from agents.heuristic import HeuristicAgent
from agents.random import RandomAgent
from games.core import Game
from games.liars_dice.batched import LiarsDiceBatch
from games.skull.batched import SkullBatch
from tests.trainers.helpers import uniform_actor
from trainers.config import load_config
from trainers.engines import ResolvedBatch, StateEngine, make_engine, sample_chance
from trainers.loop import train
from trainers.networks import Critic
from trainers.rollout import ValueFn, collect, views_of
from trainers.selfplay import Opponents, SelfPlayGames, engine_for
from trainers.shaping import dice_share, potentials


def _uniform(game):
    """Equal logits from any inputs (the first one batch first)."""
    return lambda first, *rest: torch.zeros(len(first), game.num_distinct_actions)


def _roll(state, batch_engine: LiarsDiceBatch, e: int):
    """``state`` given the dice of game ``e``'s round as its chance outcomes."""
    for outcome in batch_engine.dice(e):
        state.apply_action(outcome)
    return state


def _replay(game, batch_engine: LiarsDiceBatch, e: int):
    return _roll(game.new_initial_state(), batch_engine, e)


def _check_same(games_: SelfPlayGames, states: list) -> None:
    seats = games_.seats()
    np.testing.assert_array_equal(seats, [s.current_player() for s in states])
    expected = [s.observation_tensor(int(p)) for s, p in zip(states, seats, strict=True)]
    np.testing.assert_array_equal(games_.observations(seats), expected)
    np.testing.assert_array_equal(games_.masks(), [s.legal_actions_mask() for s in states])
    np.testing.assert_array_equal(games_.global_states(), [s.global_state_tensor() for s in states])
    for got, want in zip(games_.views(seats), views_of(states, seats), strict=True):
        np.testing.assert_array_equal(got, want)
    p_ = games_.game.num_players
    np.testing.assert_array_equal(games_.potentials(dice_share), potentials(states, dice_share, p_))


@pytest.mark.parametrize(
    "params",
    [dict(players=2, dice=1, mode="single_round"), dict(players=4, dice=2), dict(players=3)],
)
def test_batched_collection_plays_the_per_game_engines_games(params):
    game = games.make("liars_dice", **params)
    games_ = SelfPlayGames(game, 12, np.random.default_rng(0), engine="batched")
    assert isinstance(games_.engine, LiarsDiceBatch)
    mix = Opponents(pool_size=1, pool_prob=0.3, agents=("random",), agent_prob=0.3)
    pool = [_uniform(game)]
    value_fn = ValueFn(Critic(game.state_shape[0], game.num_players, (8,)), use_global=True)
    states = [_replay(game, games_.engine, e) for e in range(12)]
    ended = early = 0
    for _ in range(150):
        _check_same(games_, states)
        learner = games_.learner.copy()
        batch = collect(games_, _uniform(game), value_fn, pool, 1, mix, inputs="views")
        for e, state in enumerate(states):
            state.apply_action(int(batch.action[0, e]))
            if state.is_chance_node() and not batch.done[0, e]:
                _roll(state, games_.engine, e)
            if state.is_terminal():
                assert batch.done[0, e]
                ended += 1
                np.testing.assert_allclose(batch.returns[0, e], state.returns())
            elif batch.done[0, e]:  # against opponents, ended once the learner was out
                early += 1
                seat = int(np.flatnonzero(learner[e])[0])
                assert batch.returns[0, e, seat] == state.final_return(seat)
                np.testing.assert_array_equal(batch.returns[0, e, ~learner[e]], 0.0)
            if batch.done[0, e]:
                states[e] = _replay(game, games_.engine, e)
    assert ended > 0
    if game.players > 2:
        assert early > 0


@pytest.mark.parametrize("players", [3, 4, 6])
def test_batched_skull_collection_records_the_per_game_engines_batch(players, monkeypatch):
    draws = []  # rows whose chance outcome the batched engine drew
    chance_outcome_at = SkullBatch.chance_outcome_at

    def counted(self, rows, u):
        draws.extend(rows)
        return chance_outcome_at(self, rows, u)

    monkeypatch.setattr(SkullBatch, "chance_outcome_at", counted)
    game = games.make("skull", players=players)
    mix = Opponents(pool_size=1, pool_prob=0.3, agents=("heuristic",), agent_prob=0.3)
    value_fn = ValueFn(Critic(game.state_shape[0], players, (8,)), use_global=True)
    batches = {}
    for engine in ("per-game", "batched"):
        games_ = SelfPlayGames(game, 32, np.random.default_rng(7), engine, ("heuristic",))
        actor = _uniform(game)
        batches[engine] = collect(games_, actor, value_fn, [actor], 300, mix, inputs="views")
    assert isinstance(games_.engine, ResolvedBatch)
    per_game, batched = batches["per-game"], batches["batched"]
    fields = ("obs", "state", "mask", "action", "logp", "seat", "learner", "done", "returns")
    for field in (*fields, "views", "alive", "value", "bootstrap"):
        np.testing.assert_array_equal(getattr(batched, field), getattr(per_game, field), field)
    assert per_game.done.sum() > 10 and (~per_game.learner).sum() > 500  # games ended, others moved
    assert len(draws) > 10  # and chance decided some discs lost


@pytest.mark.parametrize(
    ("name", "engine"), [("liars_dice", LiarsDiceBatch), ("skull", ResolvedBatch)]
)
def test_batched_games_resume_exactly_from_a_checkpoint(name, engine):
    game = games.make(name, players=4)
    mix = Opponents(agents=("heuristic",), agent_prob=0.5)
    value_fn = ValueFn(Critic(game.state_shape[0], 4, (8,)), use_global=True)
    games_ = SelfPlayGames(game, 8, np.random.default_rng(3), "batched", ("heuristic",))
    collect(games_, uniform_actor(game), value_fn, [], 40, mix)
    again = SelfPlayGames.from_json(game, games_.to_json())
    assert isinstance(again.engine, engine)
    a = collect(games_, uniform_actor(game), value_fn, [], 60, mix)
    b = collect(again, uniform_actor(game), value_fn, [], 60, mix)
    for field in ("obs", "state", "mask", "action", "seat", "done", "returns"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.done.sum() > 0


def test_heuristic_opponents_move_alike_one_game_at_a_time_or_all_at_once(monkeypatch):
    # The heuristic offers a batch policy for Liar's Dice; without it, act() one game at a time.
    game = games.make("liars_dice", players=3, dice=3)
    mix = Opponents(agents=("heuristic",), agent_prob=0.8)
    value_fn = ValueFn(Critic(game.state_shape[0], 3, (8,)), use_global=True)

    def collected():
        games_ = SelfPlayGames(game, 16, np.random.default_rng(5), "batched", ("heuristic",))
        return collect(games_, uniform_actor(game), value_fn, [], 40, mix)

    batched = collected()
    monkeypatch.setattr(HeuristicAgent, "batch_policy", None)
    one_by_one = collected()
    np.testing.assert_array_equal(batched.action, one_by_one.action)
    np.testing.assert_array_equal(batched.returns, one_by_one.returns)
    assert (~batched.learner).sum() > 100  # the opponents moved


class _Reader(RandomAgent):
    needs_text = True


def test_the_engine_is_per_game_where_batched_cannot_serve(monkeypatch):
    dice = games.make("liars_dice", players=3)
    assert engine_for(dice, "batched", ("heuristic", "random")) == "batched"
    monkeypatch.setattr("trainers.selfplay.load_agent", lambda spec: _Reader())
    assert engine_for(dice, "batched", ("reader",)) == "per-game"
    skull = games.make("skull", players=3)
    assert isinstance(make_engine(skull, 2, np.random.default_rng(0), "batched"), ResolvedBatch)
    monkeypatch.setattr(type(skull), "batch_engine", Game.batch_engine)  # as if it had none
    assert isinstance(make_engine(skull, 2, np.random.default_rng(0), "batched"), StateEngine)
    with pytest.raises(ValueError, match="engine must be one of"):
        make_engine(dice, 2, np.random.default_rng(0), "fast")


def test_inverse_cdf_chance_sampling_is_uniform_on_the_dice():
    state = games.make("liars_dice", players=2).new_initial_state()
    rng = np.random.default_rng(0)
    counts = np.bincount([sample_chance(state, rng) for _ in range(6000)], minlength=6)
    assert counts.min() > 900 and counts.max() < 1100


def test_a_tiny_duel_run_on_the_batched_engine_learns(tmp_path):
    overrides = [
        "total_decisions=49152",
        "num_envs=128",
        "steps_per_env=16",
        "lr=2e-3",
        "clip=0.2",
        "entropy_coef=0.01",
        "entropy_final=0.0",
        "eval_every=0",
        "eval_games=10",
        "pool_prob=0",
        "actor_hidden=[64]",
        "critic_hidden=[64]",
        "epochs=4",
        "threads=1",
    ]
    cfg = load_config("liars_dice_duel_ctde", overrides)
    assert cfg.engine == "batched"
    run = train(cfg, tmp_path, progress=False)
    assert isinstance(run.games.engine, LiarsDiceBatch)
    # The final evaluation's exact NashConv (uniform random play: 1.5615; this run: 1.08).
    assert run.best["evaluation"]["nash_conv"] < 1.2
