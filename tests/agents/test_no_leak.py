"""No agent path can reach hidden information: agents get a Game and Observations only."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import games
from agents.base import load_agent
from arena.match import play_match
from arena.players import InProcessPlayer
from games.core import Game, Observation, State

SEEN: list[object] = []


class Spy:
    """An agent recording everything it is handed."""

    name = "spy"

    def reset(self, game, seat, seed):
        SEEN.extend([game, seat, seed])
        self.rng = np.random.default_rng(seed)

    def act(self, obs):
        SEEN.append(obs)
        return int(self.rng.choice(np.flatnonzero(obs.legal_mask)))

    def act_batch(self, obs):
        return [self.act(o) for o in obs]


def spy() -> Spy:
    return Spy()


def _reachable(root: object, depth: int = 4) -> list[object]:
    """Objects reachable from ``root`` through references, a few levels deep."""
    seen, frontier, out = {id(root)}, [root], []
    for _ in range(depth):
        nxt = []
        for obj in frontier:
            for ref in gc.get_referents(obj):
                if id(ref) not in seen and not isinstance(ref, type):
                    seen.add(id(ref))
                    out.append(ref)
                    nxt.append(ref)
        frontier = nxt
    return out


@pytest.mark.parametrize(
    "name, params", [("skull", {"players": 4}), ("liars_dice", {"players": 3})]
)
def test_an_agent_receives_nothing_that_leads_to_a_state(name, params):
    SEEN.clear()
    game = games.make(name, **params)
    players = [InProcessPlayer("tests.agents.test_no_leak:spy")] + [
        InProcessPlayer("random") for _ in range(game.num_players - 1)
    ]
    play_match(game, players, deal=3, seeds=list(range(game.num_players)))
    observations = [o for o in SEEN if isinstance(o, Observation)]
    assert observations and all(isinstance(o, (Game, int, Observation)) for o in SEEN)
    for obs in observations:
        assert obs.player == 0
        assert isinstance(obs.tensor, np.ndarray) and obs.tensor.base is None
        assert not any(isinstance(ref, State) for ref in _reachable(obs))
    assert not any(isinstance(ref, State) for ref in _reachable(game))


def _hidden_twins():
    """Pairs of states that differ only in seat 1's hidden information, seat 0 to move."""
    ld = games.make("liars_dice", players=2, dice=2)
    a, b = ld.new_initial_state(), ld.new_initial_state()
    for x, y in zip([0, 3, 1, 1], [0, 3, 5, 4], strict=True):  # seat 0: 1,4; seat 1 differs
        a.apply_action(x)
        b.apply_action(y)
    yield a, b
    sk = games.make("skull", players=3)
    a, b = sk.new_initial_state(), sk.new_initial_state()
    for state, second in ((a, "place rose"), (b, "place skull")):
        for move in ("place rose", second, "place rose"):
            state.apply_action(state.string_to_action(move))
    yield a, b


@pytest.mark.parametrize("spec", ["random", "heuristic"])
def test_agents_policies_are_blind_to_others_hidden_information(spec):
    for a, b in _hidden_twins():
        assert a.global_state_tensor().tobytes() != b.global_state_tensor().tobytes()
        seat = a.current_player()
        obs_a, obs_b = a.observation(seat), b.observation(seat)
        assert obs_a.tensor.tobytes() == obs_b.tensor.tobytes() and obs_a.text == obs_b.text
        agent = load_agent(spec)
        agent.reset(a.game, seat, 0)
        np.testing.assert_array_equal(agent.policy(obs_a), agent.policy(obs_b))
