"""Kickstarting: a teacher agent's policy as an auxiliary target early in training.

Schmitt et al. (2018), "Kickstarting Deep Reinforcement Learning": the student is trained on
its own RL loss plus ``lambda_k * H(pi_teacher(.|o), pi_student(.|o))`` on the states it
visits, with ``lambda_k`` decayed to 0 so that the student ends up optimising the return
alone and may surpass the teacher. Here the teacher is any agent with a ``policy`` (e.g.
``heuristic``), reading the learner's local observation as it would in a game; the weight
goes linearly from ``TrainConfig.teacher_coef`` to 0 at ``teacher_until`` of the budget.

Why: at a Liar's Dice table of 4 to 6 players a PPO learner starting from a uniform policy
loses nearly every game against ``heuristic`` players and spends millions of decisions
rediscovering what the teacher computes in closed form (how likely a bid is to stand).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from agents.base import Agent, load_agent
from games.core import Game, Observation, State
from trainers.masking import masked_log_softmax
from trainers.ppo import ActorFn, PPOBatch


class Teacher:
    """One teacher agent per seat; the policy of the seat to act in each game.

    Args:
        spec: an agent spec whose agent has ``policy(obs)`` (a distribution over actions).
        game: the game being trained on.
        seed: seeds the agents' own generators (a policy reads none).

    Raises:
        ValueError: if the agent cannot play ``game`` or has no ``policy``.
    """

    def __init__(self, spec: str, game: Game, seed: int) -> None:
        self.spec = spec
        self.agents: list[Agent] = []
        for seat in range(game.num_players):
            agent = load_agent(spec)
            reason = agent.supports(game) if hasattr(agent, "supports") else None
            if reason:
                raise ValueError(f"teacher {spec!r} cannot play this game: {reason}")
            if not callable(getattr(agent, "policy", None)):
                raise ValueError(f"teacher {spec!r} has no policy(obs) to learn from")
            agent.reset(game, seat, seed + seat)
            self.agents.append(agent)
        self.num_actions = game.num_distinct_actions

    @property
    def batch_policy(self) -> Callable[[np.ndarray, np.ndarray], np.ndarray] | None:
        """The agents' policy of many observations at once (``(tensors [B, obs_dim], masks
        [B, A]) -> [B, A]``, as :meth:`agents.heuristic.HeuristicAgent.batch_policy`: the same
        numbers as each seat's ``policy``), where they have one and read no text view."""
        agent = self.agents[0]
        if getattr(agent, "needs_text", True):
            return None
        return getattr(agent, "batch_policy", None)

    def probs(self, states: Sequence[State], seats: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The teacher's distribution in the games ``rows`` (zeros elsewhere) ``[E, A]``."""
        observations = [states[e].observation(int(seats[e])) for e in rows]
        return self.policies(observations, rows, len(states))

    def policies(
        self, observations: Sequence[Observation], rows: np.ndarray, num_envs: int
    ) -> np.ndarray:
        """The teacher's distribution given ``observations[i]`` in game ``rows[i]``, zeros in
        the other games ``[num_envs, A]``."""
        out = np.zeros((num_envs, self.num_actions), dtype=np.float32)
        for e, obs in zip(rows, observations, strict=True):
            out[e] = self.agents[obs.player].policy(obs)
        return out


def teacher_weight(coef: float, until: float, progress: float) -> float:
    """``coef`` decayed linearly to 0 at ``progress == until`` (0 when ``until`` is 0)."""
    if until <= 0.0 or progress >= until:
        return 0.0
    return coef * (1.0 - progress / until)


def cross_entropy(logits: torch.Tensor, mask: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean ``H(target, softmax(logits))`` over rows, on legal actions only."""
    logp = masked_log_softmax(logits, mask).masked_fill(~mask, 0.0)
    return -(target * logp).sum(1).mean()


def with_teacher(actor_fn: ActorFn, targets: np.ndarray, weight: float) -> ActorFn:
    """``actor_fn`` with ``weight * H(teacher, student)`` added to its extra loss.

    Args:
        targets: the teacher's probabilities for every decision of the collection batch,
            ``[T, E, A]`` (rows are picked by ``PPOBatch.index``).
    """
    flat = torch.from_numpy(np.ascontiguousarray(targets.reshape(-1, targets.shape[-1])))

    def logits(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
        out, extra = actor_fn(mb)
        return out, extra + weight * cross_entropy(out, mb.mask, flat[mb.index])

    return logits
