"""PettingZoo AEC environments over any of our games.

>>> from games.pettingzoo import env
>>> e = env("skull", players=4, render_mode="ansi")
>>> e.reset(seed=0)
>>> obs, reward, terminated, truncated, info = e.last()
>>> sorted(obs)
['action_mask', 'observation']

Agents are ``player_0 .. player_{n-1}`` (absolute seats). Observations are dicts with the LOCAL
observation (float32) and an int8 ``action_mask``; the privileged global state is available as
``env.state()`` (PettingZoo's state API), for centralized critics. Chance nodes are resolved
inside ``reset``/``step`` from a generator seeded by ``reset(seed=)``. Every agent terminates
when the game ends, with the game's returns as rewards (zero before). ``render_mode="human"``
prints the spectator view, ``"ansi"`` returns it; ``render_viewer=k`` shows seat k's view only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import wrappers

import games
from games.core import Game, State

RENDER_MODES = ["human", "ansi"]


class ArenaAECEnv(AECEnv):
    """An AEC environment over a :class:`games.core.Game` (use :func:`env` for the wrapped one)."""

    metadata = {"render_modes": RENDER_MODES, "name": "arena_v0", "is_parallelizable": False}

    def __init__(
        self,
        game: str | Game,
        render_mode: str | None = None,
        render_viewer: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.game: Game = games.make(game, **params) if isinstance(game, str) else game
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(f"render_mode must be one of {RENDER_MODES} or None: {render_mode!r}")
        self.render_mode = render_mode
        self.render_viewer = render_viewer
        self.metadata = {**self.metadata, "name": f"{self.game.name}_v0"}
        self.possible_agents = [f"player_{i}" for i in range(self.game.num_players)]
        self._seat = {agent: i for i, agent in enumerate(self.possible_agents)}
        n_actions = self.game.num_distinct_actions
        obs_space = spaces.Dict(
            {
                "observation": spaces.Box(0.0, 1.0, self.game.observation_shape, np.float32),
                "action_mask": spaces.Box(0, 1, (n_actions,), np.int8),
            }
        )
        self.observation_spaces = {a: obs_space for a in self.possible_agents}
        self.action_spaces = {a: spaces.Discrete(n_actions) for a in self.possible_agents}
        self.state_space = spaces.Box(0.0, 1.0, self.game.state_shape, np.float32)
        self._state: State | None = None
        self._rng = np.random.default_rng()

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    @property
    def game_state(self) -> State:
        """The underlying game state (privileged: for tests and training, not for agents)."""
        if self._state is None:
            raise RuntimeError("call reset() first")
        return self._state

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        if seed is not None or self._state is None:
            self._rng = np.random.default_rng(seed)
        self._state = self.game.new_initial_state()
        self._resolve_chance()
        self.agents = list(self.possible_agents)
        self.rewards = {a: 0.0 for a in self.agents}
        self._cumulative_rewards = {a: 0.0 for a in self.agents}
        self.terminations = {a: False for a in self.agents}
        self.truncations = {a: False for a in self.agents}
        self.infos = {a: {} for a in self.agents}
        self.agent_selection = self.possible_agents[self._state.current_player()]

    def _resolve_chance(self) -> None:
        state = self.game_state
        while state.is_chance_node():
            state.apply_action(state.sample_chance(self._rng))

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        seat = self._seat[agent]
        state = self.game_state
        mask = (
            state.legal_actions_mask()
            if state.current_player() == seat
            else np.zeros(self.game.num_distinct_actions, dtype=np.int8)
        )
        return {"observation": state.observation_tensor(seat), "action_mask": mask}

    def state(self) -> np.ndarray:
        """The privileged global state (absolute seats), for centralized training."""
        return self.game_state.global_state_tensor()

    def step(self, action: int | None) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        state = self.game_state
        state.apply_action(int(action))  # raises IllegalActionError on an illegal move
        self._resolve_chance()
        self._clear_rewards()
        if state.is_terminal():
            for a, r in zip(self.possible_agents, state.returns(), strict=True):
                self.rewards[a] = float(r)
                self.terminations[a] = True
        else:
            self.agent_selection = self.possible_agents[state.current_player()]
        self._cumulative_rewards[agent] = 0.0
        self._accumulate_rewards()
        if self.render_mode == "human":
            self.render()

    def render(self) -> str | None:
        if self.render_mode is None:
            return None
        text = self.game_state.render(self.render_viewer)
        if self.render_mode == "ansi":
            return text
        print(text + "\n")
        return None

    def close(self) -> None:
        pass


def raw_env(game: str | Game, **kwargs: Any) -> ArenaAECEnv:
    """The unwrapped environment (see :class:`ArenaAECEnv`)."""
    return ArenaAECEnv(game, **kwargs)


def env(game: str | Game, **kwargs: Any) -> AECEnv:
    """The environment with PettingZoo's usual wrappers for turn-based games.

    An illegal move ends the game with reward -1 for the offender (``TerminateIllegalWrapper``);
    actions outside the action space are refused; the call order is enforced.
    """
    wrapped: AECEnv = raw_env(game, **kwargs)
    wrapped = wrappers.TerminateIllegalWrapper(wrapped, illegal_reward=-1)
    wrapped = wrappers.AssertOutOfBoundsWrapper(wrapped)
    return wrappers.OrderEnforcingWrapper(wrapped)
