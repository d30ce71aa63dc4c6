"""The training config: one dataclass, a docstring per field, loaded from TOML, overridable.

>>> cfg = load_config("liars_dice_duel_ctde", overrides=["total_decisions=20000"])

A config name without a path is looked up among the shipped configs (``trainers/configs``).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import games
from trainers.shaping import potential_for
from trainers.teacher import Teacher

METHODS = ("ctde", "cadp", "ctedd")
CRITICS = ("global", "local")
DISTILL_LOSSES = ("mse", "kl")


@dataclass(frozen=True)
class TrainConfig:
    """Self-play PPO training of a decentralized actor."""

    # -- what ------------------------------------------------------------------------------
    game: str = "liars_dice"
    """Game name (``arena games``)."""
    params: dict[str, Any] = field(default_factory=dict)
    """Game parameters; defaults fill the rest."""
    method: str = "ctde"
    """``ctde`` (local actor, critic on the global state), ``cadp`` or ``ctedd``."""
    critic: str = "global"
    """``global``: the critic sees the global state (CTDE); ``local``: the acting seat's local
    observation only (the plain-critic baseline)."""
    name: str = ""
    """Name of the exported agent (default: derived from the game and method)."""
    seed: int = 0
    """Seed of everything: games, sampling, initial weights."""
    # -- budget and rollout ----------------------------------------------------------------
    total_decisions: int = 2_000_000
    """Training budget: decisions collected (all seats)."""
    num_envs: int = 512
    """Games played in lockstep; one batched network call per step."""
    steps_per_env: int = 32
    """Decisions per game slot per update (games continue across updates)."""
    # -- networks --------------------------------------------------------------------------
    actor_hidden: tuple[int, ...] = (256, 256)
    """Hidden layer sizes of the deployable actor MLP."""
    critic_hidden: tuple[int, ...] = (256, 256, 256)
    """Hidden layer sizes of the critic MLP (training only)."""
    # -- PPO -------------------------------------------------------------------------------
    lr: float = 1e-4
    """Adam learning rate at the start."""
    lr_final: float = 0.0
    """Learning rate at the end of the budget (linear annealing)."""
    critic_lr: float = 3e-4
    """Adam learning rate of the critic (annealed like ``lr``)."""
    gamma: float = 1.0
    """Discount per own decision (the games are finite; rewards are terminal)."""
    gae_lambda: float = 0.95
    """GAE lambda over each seat's own decisions."""
    shaping: float = 0.0
    """Weight of potential-based reward shaping (:mod:`trainers.shaping`; Liar's Dice: the
    seat's share of the dice in play). It leaves the optimal policy unchanged and credits every
    round of a long elimination game; 0 trains on the game's returns alone."""
    clip: float = 0.1
    """PPO ratio clip."""
    epochs: int = 4
    """Passes over each batch."""
    minibatches: int = 1
    """Minibatches per epoch (1: one full batch)."""
    entropy_coef: float = 0.05
    """Entropy bonus at the start."""
    entropy_final: float = 0.0
    """Entropy bonus at the end of the budget (linear annealing)."""
    value_coef: float = 0.5
    """Weight of the critic's squared error."""
    max_grad_norm: float = 1.0
    """Gradient clipping (global norm), actor and critic separately."""
    normalize_advantages: bool = True
    """Standardise advantages per batch."""
    # -- opponents -------------------------------------------------------------------------
    pool_size: int = 8
    """Past snapshots kept as opponents (0: pure self-play)."""
    pool_prob: float = 0.2
    """Probability that a new game seats one learner against a past snapshot."""
    snapshot_every: int = 20
    """Updates between snapshots added to the pool."""
    opponent_agents: tuple[str, ...] = ()
    """Fixed opponent agents (specs, e.g. ``heuristic``) for some games."""
    opponent_agent_prob: float = 0.0
    """Probability that a new game seats one learner against a fixed agent in the other seats.
    (A resume restores the fixed agents' generators; agents keeping other state across moves
    would not be restored.)"""
    teacher: str = ""
    """Kickstarting (:mod:`trainers.teacher`): an agent spec with a ``policy`` (e.g.
    ``heuristic``) whose distribution the learner is also trained to match at its own
    decisions, with a weight decayed to 0 (empty: none)."""
    teacher_coef: float = 1.0
    """Weight of the teacher's cross-entropy at the start."""
    teacher_until: float = 0.25
    """Fraction of the budget at which the teacher's weight reaches 0."""
    # -- CADP (trainers.cadp) --------------------------------------------------------------
    cadp_heads: int = 4
    """Heads of CADP's advice exchange (the authors use 4)."""
    cadp_head_dim: int = 32
    """Width of each head's query, key and value; the logits are scaled by its square root."""
    cadp_advice_dim: int = 128
    """Width of the advice features ``relu(W_z z + b_z)``, joined to the trunk's output before
    the action head (the exported CADP(D) actor is this much wider in every hidden layer)."""
    prune_alpha: float = 0.5
    """Weight of CADP's pruning loss ``L_p = -log c_ii`` (added to the actor loss only)."""
    prune_start: float = 0.6
    """Fraction of the budget after which the pruning loss is switched on (and stays on)."""
    # -- CTEDD (trainers.ctedd) ------------------------------------------------------------
    ctedd_global_fraction: float = 0.5
    """Fraction of the updates (and so of the decisions) that train the global policy by PPO;
    the rest are the global policy's play from which the local actor is distilled."""
    ctedd_global_hidden: tuple[int, ...] = (256, 256)
    """Hidden layer sizes of CTEDD's global policy (training only)."""
    distill_loss: str = "mse"
    """``mse``: the squared distance between the global and local action distributions (the
    paper's ``L_D``); ``kl``: ``KL(global || local)``."""
    distill_lr: float = 1e-3
    """Adam learning rate of the distillation at its start (annealed like ``lr``)."""
    distill_batch: int = 1024
    """Samples per batch taken from the distillation buffer (oldest first)."""
    distill_iterations: int = 4
    """Gradient steps on each batch taken from the buffer before the next one."""
    # -- bookkeeping -----------------------------------------------------------------------
    eval_every: int = 50
    """Updates between evaluations (0: only at the end)."""
    eval_games: int = 200
    """Games per evaluation opponent (random, heuristic)."""
    checkpoint_every: int = 25
    """Updates between checkpoints."""
    export: str = "best"
    """Which actor the package gets: ``best`` (the best evaluation so far) or ``final``."""
    best_metric: str = "auto"
    """The evaluation that picks ``best``: ``auto`` is NashConv on the OpenSpiel Liar's Dice
    configuration, else the mean win rate against the evaluation opponents; or the name of one
    evaluation column (e.g. ``win_vs_heuristic``; ``nash_conv`` is minimised)."""
    threads: int = 1
    """torch threads (1 makes runs reproducible)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", games.make(self.game, **self.params).params)
        object.__setattr__(self, "actor_hidden", tuple(self.actor_hidden))
        object.__setattr__(self, "critic_hidden", tuple(self.critic_hidden))
        object.__setattr__(self, "opponent_agents", tuple(self.opponent_agents))
        object.__setattr__(self, "ctedd_global_hidden", tuple(self.ctedd_global_hidden))
        _check_choice("method", self.method, METHODS)
        _check_choice("critic", self.critic, CRITICS)
        _check_choice("export", self.export, ("best", "final"))
        _check_choice("distill_loss", self.distill_loss, DISTILL_LOSSES)
        for name in ("total_decisions", "num_envs", "steps_per_env", "epochs", "minibatches"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        self._check_method_fields()
        if not 0.0 <= self.pool_prob <= 1.0 or not 0.0 <= self.opponent_agent_prob <= 1.0:
            raise ValueError("pool_prob and opponent_agent_prob must be in [0, 1]")
        if self.pool_prob + self.opponent_agent_prob > 1.0:
            raise ValueError(
                f"pool_prob + opponent_agent_prob must not exceed 1, got {self.pool_prob} + "
                f"{self.opponent_agent_prob}"
            )
        if self.shaping < 0:
            raise ValueError(f"shaping must be >= 0, got {self.shaping}")
        if self.shaping:
            potential_for(games.make(self.game, **self.params))
        if self.teacher_coef < 0 or not 0.0 <= self.teacher_until <= 1.0:
            raise ValueError("teacher_coef must be >= 0 and teacher_until in [0, 1]")
        if self.teacher:
            Teacher(self.teacher, games.make(self.game, **self.params), 0)

    def _check_method_fields(self) -> None:
        """Fail fast on CADP / CTEDD fields out of range."""
        names = ("cadp_heads", "cadp_head_dim", "cadp_advice_dim", "distill_batch")
        for name in (*names, "distill_iterations"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.prune_alpha < 0 or not 0.0 <= self.prune_start <= 1.0:
            raise ValueError("prune_alpha must be >= 0 and prune_start in [0, 1]")
        if not 0.0 < self.ctedd_global_fraction < 1.0:
            raise ValueError(
                f"ctedd_global_fraction must be in (0, 1), got {self.ctedd_global_fraction}"
            )

    @property
    def batch_size(self) -> int:
        """Decisions per update."""
        return self.num_envs * self.steps_per_env

    @property
    def num_updates(self) -> int:
        """Updates in the budget."""
        return max(1, self.total_decisions // self.batch_size)

    @property
    def agent_name(self) -> str:
        """The exported agent's name."""
        return self.name or f"{self.game}-{self.method}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of every field."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def shipped_configs() -> list[str]:
    """Names of the TOML configs shipped in ``trainers/configs``."""
    folder = resources.files("trainers") / "configs"
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def _read_toml(name_or_path: str) -> dict[str, Any]:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        text = path.read_text()
    else:
        shipped = resources.files("trainers") / "configs" / f"{path.stem}.toml"
        if not shipped.is_file():
            raise ValueError(
                f"no config {name_or_path!r}: give a .toml path or one of "
                f"{', '.join(shipped_configs())}"
            )
        text = shipped.read_text()
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config {name_or_path!r} is not valid TOML: {exc}") from exc


def _parse_override(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep:
        raise ValueError(f"--set takes KEY=VALUE, got {item!r}")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word is a string
    return key.strip(), value


def config_from_dict(data: dict[str, Any], overrides: list[str] | None = None) -> TrainConfig:
    """A config from a dict, with ``KEY=VALUE`` overrides (``params.players=4`` for params)."""
    data = {**data, "params": dict(data.get("params", {}))}
    for item in overrides or []:
        key, value = _parse_override(item)
        if key.startswith("params."):
            data["params"][key.removeprefix("params.")] = value
        else:
            data[key] = value
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"unknown config field {unknown[0]!r}: fields are {', '.join(sorted(known))}"
        )
    try:
        return TrainConfig(**data)
    except TypeError as exc:
        raise ValueError(f"bad config: {exc}") from exc


def load_config(name_or_path: str, overrides: list[str] | None = None) -> TrainConfig:
    """Load a TOML config (a path, or the name of a shipped one) and apply overrides."""
    return config_from_dict(_read_toml(name_or_path), overrides)
