"""The in-process twin of examples/random-py: the same policy written as a Python agent."""

import random

from agents.base import BaseAgent


class RandomTwin(BaseAgent):
    """``random.Random(seed).choice(legal_actions)`` at each move, like the example program."""

    name = "random-twin"

    def reset(self, game, seat, seed):
        super().reset(game, seat, seed)
        self.choices = random.Random(seed)

    def act(self, obs):
        return self.choices.choice(obs.legal_actions)


def make() -> RandomTwin:
    return RandomTwin()
