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
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from agents.base import Agent, act_many, load_agent
from agents.neural import ActorConfig, MLPActor
from games.core import Game, Observation, State
from trainers.loop import anneal, ppo_batch
from trainers.networks import Critic
from trainers.ppo import PPOBatch, PPOSettings, ppo_update
from trainers.rollout import Batch, ValueFn, gae, gumbel_sample, masked_log_softmax
from trainers.teacher import teacher_weight, with_teacher

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


# -- the games: one learner seat, the frozen agent elsewhere ---------------------------------
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
    return ppo_update(
        logits,
        list(learner.actor.parameters()),
        learner.critic,
        learner.actor_opt,
        learner.critic_opt,
        data,
        _settings(cfg, progress),
        True,
        learner.generator,
    )


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


# -- measurement -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResponseValue:
    """The response's mean return over fresh games (see the module docstring).

    Attributes:
        mean: the mean over the seats of its mean return in each seat.
        half_width: the 95% half-width of ``mean``.
        per_seat: its mean return in each seat.
        games: games played (the same number in each seat).
    """

    mean: float
    half_width: float
    per_seat: tuple[float, ...]
    games: int

    @property
    def interval(self) -> tuple[float, float]:
        """The 95% interval."""
        return self.mean - self.half_width, self.mean + self.half_width


def play_response(
    actor: MLPActor,
    spec: str,
    game: Game,
    games: int,
    seed: int,
    greedy: bool = True,
    chunk: int = 2048,
    on_chunk: Callable[[int], object] | None = None,
) -> ResponseValue:
    """Play ``actor`` against ``spec`` on fresh duplicate games; its mean return.

    Duplicate games (as in duplicate bridge): each of ``ceil(games / N)`` deals is played ``N``
    times, the response taking each seat in turn and every game of the deal drawing its chance
    outcomes and agents' seeds from the same seed (common random numbers). The luck of the
    deal then largely cancels out of the deal's mean over the seats, whose spread over the
    deals gives the 95% interval. Deals are played ``chunk`` games at a time (``on_chunk`` is
    told how many games each chunk finished).
    """
    n = game.num_players
    deal_seeds = np.random.SeedSequence([seed, 1]).generate_state(math.ceil(games / n))
    per_chunk = max(chunk // n, 1)
    results = []
    for k in range(0, len(deal_seeds), per_chunk):
        results.append(_play_deals(actor, spec, game, deal_seeds[k : k + per_chunk], greedy))
        if on_chunk is not None:
            on_chunk(results[-1].size)
    returns = np.concatenate(results)  # [deals, seat of the response]
    by_deal = returns.mean(axis=1)
    half_width = 1.96 * by_deal.std(ddof=1) / math.sqrt(len(by_deal)) if len(by_deal) > 1 else 0.0
    per_seat = tuple(float(v) for v in returns.mean(axis=0))
    return ResponseValue(float(by_deal.mean()), float(half_width), per_seat, returns.size)


@torch.no_grad()
def _play_deals(
    actor: MLPActor, spec: str, game: Game, deal_seeds: np.ndarray, greedy: bool
) -> np.ndarray:
    """The response's return in every seat of every deal ``[deals, N]`` (played together)."""
    n = game.num_players
    table = ResponseGames(game, spec, len(deal_seeds) * n, np.random.default_rng(0))
    for e in range(table.num_envs):
        table.start(e, e % n, np.random.default_rng(int(deal_seeds[e // n])))
    table.play_others(range(table.num_envs))
    live = [e for e in range(table.num_envs) if table.learner_return(e) is None]
    while live:
        obs = np.stack([table.states[e].observation_tensor(int(table.seat[e])) for e in live])
        mask = np.stack([table.states[e].legal_actions_mask() for e in live]).astype(bool)
        logp = masked_log_softmax(actor(torch.from_numpy(obs)), torch.from_numpy(mask)).numpy()
        for e, row in zip(live, logp, strict=True):
            table.states[e].apply_action(int(row.argmax() if greedy else _sample(row, table, e)))
        table.play_others(live)
        live = [e for e in live if table.learner_return(e) is None]
    returns = [table.learner_return(e) for e in range(table.num_envs)]
    return np.array(returns, dtype=np.float64).reshape(len(deal_seeds), n)


def _sample(logp: np.ndarray, table: ResponseGames, e: int) -> int:
    """An action drawn from one row of log-probabilities with slot ``e``'s generator."""
    return int(gumbel_sample(logp[None], table.slot_rng[e])[0])


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
