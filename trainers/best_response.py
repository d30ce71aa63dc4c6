"""A learned best response to a frozen agent: approximate exploitability for every game.

The method. The agent under test is frozen and becomes part of the environment: in every game
one *learner* seat (each game slot rotates it, game after game, over every seat position)
plays against copies of the agent in all the other seats. The learner is a PPO actor on its
local observation (an :class:`agents.neural.MLPActor`, what a saved response ships) with a
critic on the global state (training only, as in CTDE); it is kickstarted from the agent
itself (:mod:`trainers.teacher`: a cross-entropy to the agent's own policy at the learner's
decisions, decayed to 0 by half of the budget), so that it starts as the trivial response (a
gain of 0) and PPO only has to find the improvements. One rollout step is one learner
decision in every game slot; between two of them the agents' moves (batched over the slots,
each copy fed its own seat's :class:`~games.core.Observation` only, like the referee does) and
chance are played out, until the learner is to act again or its return is decided.

The measure. The trained response ``BR`` is then played greedily (its most probable action) on
fresh duplicate games (their own seed): each deal is played ``N`` times, the response taking
each seat in turn, with the same chance outcomes and agents' seeds (common random numbers, so
that the luck of the deal largely cancels out). Per seat ``i`` the games estimate
``u_i(BR, pi_-i)``, the return of the response in seat ``i`` against the agent ``pi`` in the
others; the report is their mean over the ``N`` seats, with a 95% interval (normal
approximation over the deals' means). Returns sum to 0 in every game here (winner +1, each
loser ``-1/(N-1)``), so the agent playing itself earns the fair share 0 on average over the
seats, and the mean return of the response is its gain over that share::

    gain = 1/N sum_i u_i(BR, pi_-i) - 1/N sum_i u_i(pi) = 1/N sum_i u_i(BR, pi_-i)

With an exact best response ``BR_i`` in each seat, ``gain = NashConv(pi) / N``: for the duel
(``N = 2``) that is OpenSpiel's exploitability ``NashConv / 2``. A learned response is at best
a best response, so the gain is a LOWER BOUND on that exploitability (up to the sampling error
the interval states).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from agents.mlp import MLPActor
from agents.neural import ActorConfig
from games.core import Game
from trainers.networks import Critic
from trainers.ppo import PPOBatch, PPOModels, PPOSettings, ppo_update
from trainers.response_games import ResponseGames
from trainers.response_value import ResponseValue, play_response
from trainers.rollout import Batch, ValueFn, gae, gumbel_sample, masked_log_softmax
from trainers.schedules import anneal
from trainers.teacher import teacher_weight, with_teacher
from trainers.update import ppo_batch

__all__ = [
    "ApproximateExploitability",
    "ResponseConfig",
    "ResponseGames",
    "ResponseValue",
    "approximate_exploitability",
    "play_response",
    "save_response",
    "step",
    "train_response",
]

DEFAULT_BUDGET = 1_000_000
"""Learner decisions trained on when ``--budget`` is not given."""
DEFAULT_GAMES = 100_000
"""Evaluation games when ``--games`` is not given."""


@dataclass(frozen=True)
class ResponseConfig:
    """How the best response is trained and measured."""

    budget: int = DEFAULT_BUDGET
    """Learner decisions to train on (the agent's own moves are not counted), rounded up to
    whole updates of ``num_envs * steps_per_env``."""
    eval_games: int = DEFAULT_GAMES
    """Fresh games played to measure the response (rounded up to whole deals of ``N`` games,
    see :func:`play_response`)."""
    seed: int = 0
    """Seeds the networks, the games and the agents' generators; evaluation games use their
    own stream of it, never the training games."""
    num_envs: int = 128
    """Game slots played in lockstep."""
    steps_per_env: int = 16
    """Learner decisions per slot per update."""
    actor_hidden: tuple[int, ...] = (128, 128)
    """Hidden sizes of the response's actor."""
    critic_hidden: tuple[int, ...] = (128, 128)
    """Hidden sizes of the global-state critic."""
    lr: float = 1e-3
    """Actor learning rate at the start (annealed linearly to 0)."""
    critic_lr: float = 1e-3
    """Critic learning rate at the start (annealed linearly to 0)."""
    gamma: float = 1.0
    """Discount (the games are short and the return comes at the end)."""
    gae_lambda: float = 0.95
    """GAE's lambda."""
    clip: float = 0.2
    """PPO's clip range."""
    epochs: int = 4
    """PPO epochs per batch."""
    minibatches: int = 4
    """Minibatches per epoch."""
    entropy_coef: float = 0.01
    """Entropy bonus at the start, annealed linearly to 0: a best response needs no mixing."""
    value_coef: float = 0.5
    """Weight of the value loss."""
    max_grad_norm: float = 1.0
    """Gradient clipping."""
    kickstart: float = 1.0
    """Weight, at the start, of the cross-entropy from the agent's own policy to the
    response's (:mod:`trainers.teacher`), decayed linearly to 0 at ``kickstart_until``: the
    response starts as a copy of the agent (a gain of 0) and PPO improves on it, instead of
    starting from a uniform policy that loses to a strong agent. 0: off."""
    kickstart_until: float = 0.5
    """Fraction of the budget at which the kickstarting weight reaches 0."""
    greedy: bool = True
    """Evaluate the response's most probable action (a best response can be deterministic)
    instead of sampling from it."""

    def __post_init__(self) -> None:
        for name in ("budget", "eval_games", "num_envs", "steps_per_env", "epochs", "minibatches"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")

    @property
    def num_updates(self) -> int:
        """PPO updates that cover ``budget`` learner decisions."""
        return math.ceil(self.budget / (self.num_envs * self.steps_per_env))


# -- training ----------------------------------------------------------------------------------
@dataclass
class Learner:
    """The response being trained: its actor, its global-state critic and their optimizers."""

    actor: MLPActor
    critic: Critic
    actor_opt: torch.optim.Optimizer
    critic_opt: torch.optim.Optimizer
    generator: torch.Generator

    @classmethod
    def build(cls, game: Game, cfg: ResponseConfig) -> Learner:
        """Fresh networks seeded by ``cfg.seed``."""
        torch.manual_seed(cfg.seed)
        actor = MLPActor(ActorConfig.for_game(game, cfg.actor_hidden))
        actor.orthogonal_init()
        critic = Critic(game.state_shape[0], game.num_players, cfg.critic_hidden)
        return cls(
            actor,
            critic,
            torch.optim.Adam(actor.parameters(), lr=cfg.lr, eps=1e-5),
            torch.optim.Adam(critic.parameters(), lr=cfg.critic_lr, eps=1e-5),
            torch.Generator().manual_seed(cfg.seed),
        )


@torch.no_grad()
def collect(
    table: ResponseGames, actor: MLPActor, value_fn: ValueFn, steps: int, teacher: bool = False
) -> Batch:
    """``steps`` learner decisions in every slot ``[T, E]``; a game that decides the learner's
    return is done (its return in the learner's column) and the slot's next game seats the
    learner one seat further (every slot rotates over every seat position). With ``teacher``
    the batch also holds the agent's own policy at each decision (for kickstarting)."""
    e_, n = table.num_envs, table.game.num_players
    cols: dict[str, list[np.ndarray]] = {k: [] for k in Batch.__dataclass_fields__}
    for _ in range(steps):
        obs, state, mask = table.observations(), table.global_states(), table.masks()
        logp = masked_log_softmax(actor(torch.from_numpy(obs)), torch.from_numpy(mask)).numpy()
        action = gumbel_sample(logp, table.rng)
        seat = table.seat.copy()
        value = value_fn.acting(obs, state, seat)
        if teacher:
            cols["teacher"].append(table.agent_policy())
        done, returns = step(table, action)
        seen = dict(
            obs=obs,
            state=state,
            mask=mask,
            action=action,
            seat=seat,
            value=value,
            logp=logp[np.arange(e_), action],
            learner=np.ones(e_, dtype=bool),
            done=done,
            returns=returns,
        )
        for key, column in seen.items():
            cols[key].append(column)
    stacked = {k: np.stack(v) for k, v in cols.items() if v}
    bootstrap = value_fn.critic(torch.from_numpy(table.global_states())).numpy()
    return Batch(**stacked, bootstrap=bootstrap.reshape(e_, n))


def step(table: ResponseGames, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apply the learners' actions, play the agents; restart the decided games, each with the
    learner one seat further.

    Returns:
        ``(done [E], returns [E, P])``: the learner's return in its column of a done game.
    """
    for state, a in zip(table.states, action, strict=True):
        state.apply_action(int(a))
    table.play_others(range(table.num_envs))
    done = np.zeros(table.num_envs, dtype=bool)
    returns = np.zeros((table.num_envs, table.game.num_players), dtype=np.float32)
    for e in range(table.num_envs):
        value = table.learner_return(e)
        if value is not None:
            done[e], returns[e, table.seat[e]] = True, value
            table.start(e, (int(table.seat[e]) + 1) % table.game.num_players)
    table.play_others(np.flatnonzero(done).tolist())
    return done, returns


def _settings(cfg: ResponseConfig, progress: float) -> PPOSettings:
    return PPOSettings(
        clip=cfg.clip,
        entropy_coef=anneal(cfg.entropy_coef, 0.0, progress),
        value_coef=cfg.value_coef,
        epochs=cfg.epochs,
        minibatches=cfg.minibatches,
        max_grad_norm=cfg.max_grad_norm,
        normalize_advantages=True,
    )


def learn(learner: Learner, batch: Batch, cfg: ResponseConfig, progress: float) -> dict:
    """GAE and the PPO epochs on ``batch`` (learning rates annealed to 0 at ``progress`` 1)."""
    for opt, lr in ((learner.actor_opt, cfg.lr), (learner.critic_opt, cfg.critic_lr)):
        for group in opt.param_groups:
            group["lr"] = anneal(lr, 0.0, progress)
    advantages, returns = gae(batch, cfg.gamma, cfg.gae_lambda)
    data = ppo_batch(batch, advantages, returns, use_global=True)

    def logits(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
        return learner.actor(mb.obs), torch.zeros(())

    weight = teacher_weight(cfg.kickstart, cfg.kickstart_until, progress)
    if batch.teacher is not None and weight > 0:
        logits = with_teacher(logits, batch.teacher, weight)
    models = PPOModels(
        actor=learner.actor,
        critic=learner.critic,
        actor_opt=learner.actor_opt,
        critic_opt=learner.critic_opt,
        generator=learner.generator,
    )
    return ppo_update(logits, models, data, _settings(cfg, progress))


Progress = Callable[[int, dict[str, float]], None]
"""Called after each update with the learner decisions so far and the update's metrics."""


def train_response(
    spec: str, game: Game, cfg: ResponseConfig, progress: Progress | None = None
) -> MLPActor:
    """Train a best response to the frozen agent ``spec`` in ``game``; return its actor."""
    learner = Learner.build(game, cfg)
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 0]))
    table = ResponseGames(game, spec, cfg.num_envs, rng)
    for e in range(cfg.num_envs):
        table.start(e, e % game.num_players)
    table.play_others(range(cfg.num_envs))
    value_fn = ValueFn(learner.critic, use_global=True)
    decisions = 0
    for update in range(cfg.num_updates):
        fraction = update / cfg.num_updates
        kickstart = teacher_weight(cfg.kickstart, cfg.kickstart_until, fraction) > 0
        batch = collect(table, learner.actor, value_fn, cfg.steps_per_env, kickstart)
        metrics = learn(learner, batch, cfg, fraction)
        decisions += batch.action.size
        metrics["mean_return"] = float(batch.returns.sum() / max(batch.done.sum(), 1))
        if progress is not None:
            progress(decisions, metrics)
    return learner.actor


# -- the result --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApproximateExploitability:
    """What ``arena exploitability --approximate`` reports (see the module docstring).

    Attributes:
        agent: the frozen agent's spec.
        game, params: the configuration.
        value: the response's mean return over fresh games; the fair share is 0, so it is
            the lower bound on the exploitability ``NashConv / N``.
        decisions: learner decisions trained on.
        config: the training settings.
    """

    agent: str
    game: str
    params: dict[str, Any]
    value: ResponseValue
    decisions: int
    config: ResponseConfig = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        low, high = self.value.interval
        return {
            "agent": self.agent,
            "game": self.game,
            "params": self.params,
            "mode": "approximate",
            "exploitability_lower_bound": self.value.mean,
            "ci95": [low, high],
            "best_response_return": self.value.mean,
            "best_response_return_by_seat": list(self.value.per_seat),
            "fair_share": 0.0,
            "eval_games": self.value.games,
            "decisions": self.decisions,
            "seed": self.config.seed,
        }

    def describe(self) -> str:
        """A few lines for people."""
        low, high = self.value.interval
        n = len(self.value.per_seat)
        seats = ", ".join(f"{v:+.3f}" for v in self.value.per_seat)
        lines = [
            f"{self.agent}: exploitability (NashConv/{n}) >= {self.value.mean:.4f} "
            f"(95% interval {low:.4f} .. {high:.4f}; lower bound, approximate)",
            f"  = the mean return of a learned best response over {self.value.games:,} fresh "
            f"games, its seat rotating over the {n} seats (by seat: {seats}), against a fair "
            f"share of 0; trained on {self.decisions:,} decisions",
        ]
        if low <= 0.0:
            lines.append(
                "  the response does not beat the fair share significantly: no evidence of "
                "exploitability at this budget (it is never below 0)"
            )
        return "\n".join(lines)


def approximate_exploitability(
    spec: str,
    game: Game,
    cfg: ResponseConfig,
    progress: Progress | None = None,
    on_games: Callable[[int], object] | None = None,
) -> tuple[ApproximateExploitability, MLPActor]:
    """Train a best response to ``spec``, measure it on fresh games; the result and the
    response (``progress``: see :func:`train_response`; ``on_games``: evaluation games done)."""
    actor = train_response(spec, game, cfg, progress)
    value = play_response(
        actor, spec, game, cfg.eval_games, cfg.seed, cfg.greedy, on_chunk=on_games
    )
    decisions = cfg.num_updates * cfg.num_envs * cfg.steps_per_env
    result = ApproximateExploitability(spec, game.name, dict(game.params), value, decisions, cfg)
    return result, actor


def save_response(
    path: str, actor: MLPActor, game: Game, result: ApproximateExploitability
) -> None:
    """Write the response as an agent package (``agents.package``) to ``path``."""
    from agents.package import save_package

    config = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(result.config).items()}
    training = {
        "steps": result.decisions,
        "seed": result.config.seed,
        "config": config,
        "against": result.agent,
    }
    save_package(
        path,
        actor,
        name=f"best-response-to-{result.agent}",
        game=game,
        method="best_response",
        training=training,
        evaluation=result.to_json(),
        overwrite=True,
    )
