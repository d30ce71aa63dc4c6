"""The games of a best response: one learner seat, copies of the frozen agent in the others.

Used to train a response (:mod:`trainers.best_response`) and to measure it
(:mod:`trainers.response_value`). Between two learner decisions the agents' moves (batched
over the slots, each copy fed its own seat's :class:`~games.core.Observation` only, like the
referee does) and chance are played out, until the learner is to act again or its return is
decided.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.base import Agent, act_many, load_agent
from games.core import Game, Observation, State


def agent_copy(prototype: Agent, spec: str) -> Agent:
    """One more copy of the frozen agent for another seat or game (shares its weights)."""
    spawn = getattr(prototype, "spawn", None)
    return spawn() if callable(spawn) else load_agent(spec)


class ResponseGames:
    """Game slots, each with one learner seat and copies of the frozen agent in the others.

    Args:
        game: the configuration.
        spec: the frozen agent.
        num_envs: game slots.
        rng: the generator of the deals (chance) and of the agents' seeds, shared by the
            slots unless :meth:`start` gives a slot its own.
    """

    def __init__(self, game: Game, spec: str, num_envs: int, rng: np.random.Generator) -> None:
        self.game, self.spec, self.rng, self.num_envs = game, spec, rng, num_envs
        prototype = load_agent(spec)
        self.needs_text = bool(getattr(prototype, "needs_text", True))
        n = game.num_players
        self.agents = [[agent_copy(prototype, spec) for _ in range(n)] for _ in range(num_envs)]
        self.states: list[State] = [game.new_initial_state() for _ in range(num_envs)]
        self.seat = np.zeros(num_envs, dtype=np.int64)
        """The learner's seat in each slot."""
        self.slot_rng = [rng] * num_envs
        """The generator of each slot's chance outcomes and agents' seeds."""

    def start(self, e: int, seat: int, rng: np.random.Generator | None = None) -> None:
        """A new game in slot ``e`` with the learner in ``seat`` (the agents reseeded), its
        randomness drawn from ``rng`` if given (else from the slot's generator)."""
        if rng is not None:
            self.slot_rng[e] = rng
        self.states[e] = self.game.new_initial_state()
        self.seat[e] = seat
        for s, agent in enumerate(self.agents[e]):  # the learner's copy: kickstarting only
            agent.reset(self.game, s, int(self.slot_rng[e].integers(2**31)))

    def learner_return(self, e: int) -> float | None:
        """The learner's return in slot ``e`` once decided (it is out, or the game is over)."""
        return self.states[e].final_return(int(self.seat[e]))

    def play_others(self, slots: Sequence[int]) -> None:
        """Play chance and the agents' moves in ``slots`` until each learner is to act or has
        its return decided; the agents of all the slots waiting on them act in one batch."""
        waiting = list(slots)
        while waiting:
            for e in waiting:
                state = self.states[e]
                while state.is_chance_node():
                    state.apply_action(state.sample_chance(self.slot_rng[e]))
            waiting = [e for e in waiting if not self._learner_turn(e)]
            if waiting:
                self._agents_move(waiting)

    def _learner_turn(self, e: int) -> bool:
        """Whether slot ``e`` waits on its learner (or is decided for it)."""
        seat = int(self.seat[e])
        return self.states[e].current_player() == seat or self.learner_return(e) is not None

    def _agents_move(self, slots: Sequence[int]) -> None:
        """One move of the agent to act in each of ``slots`` (one batched call)."""
        seats = [self.states[e].current_player() for e in slots]
        pairs = list(zip(slots, seats, strict=True))
        movers = [self.agents[e][s] for e, s in pairs]
        actions = act_many(movers, [self._observation(e, s) for e, s in pairs])
        for e, action in zip(slots, actions, strict=True):
            if isinstance(action, BaseException):
                raise RuntimeError(f"agent {self.spec!r} failed to move: {action}") from action
            self.states[e].apply_action(int(action))

    def _observation(self, e: int, seat: int) -> Observation:
        """What the agent in ``seat`` of slot ``e`` sees (its text only if it reads it)."""
        state = self.states[e]
        text = state.render(seat) if self.needs_text else ""
        return Observation(seat, state.observation_tensor(seat), state.legal_actions_mask(), text)

    def observations(self) -> np.ndarray:
        """The learners' local observations ``[E, obs_dim]``."""
        pairs = zip(self.states, self.seat, strict=True)
        return np.stack([state.observation_tensor(int(seat)) for state, seat in pairs])

    def masks(self) -> np.ndarray:
        """The learners' legal actions ``[E, A]``."""
        return np.stack([s.legal_actions_mask() for s in self.states]).astype(bool)

    def agent_policy(self) -> np.ndarray:
        """What the agent would play at each learner's decision ``[E, A]``: its ``policy``
        (one batched call when it has ``policy_batch``), else its sampled move, one-hot."""
        mine = [self.agents[e][int(seat)] for e, seat in enumerate(self.seat)]
        obs = [self._observation(e, int(seat)) for e, seat in enumerate(self.seat)]
        batch_leaf = getattr(mine[0], "batch_leaf", None)
        leaf = batch_leaf() if callable(batch_leaf) else None
        if callable(getattr(leaf, "policy_batch", None)):
            return np.asarray(leaf.policy_batch(obs), dtype=np.float32)
        pairs = list(zip(mine, obs, strict=True))
        if callable(getattr(mine[0], "policy", None)):
            try:
                return np.stack([agent.policy(o) for agent, o in pairs]).astype(np.float32)
            except NotImplementedError:  # BaseAgent's default: an agent of moves only
                pass
        moves = [agent.act(o) for agent, o in pairs]
        return np.eye(self.game.num_distinct_actions, dtype=np.float32)[moves]

    def global_states(self) -> np.ndarray:
        """The global states ``[E, state_dim]`` (for the critic only)."""
        return np.stack([s.global_state_tensor() for s in self.states])
