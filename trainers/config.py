"""The training config: one dataclass, a docstring per field, loaded from TOML, overridable.

>>> cfg = load_config("liars_dice_duel_ctde", overrides=["total_decisions=20000"])

A config name without a path is looked up among the shipped configs (``trainers/configs``).
Every value is validated, for type and range, when the config is built (a pydantic
dataclass: ``lr=abc``, ``epochs=true``, ``total_decisions=1.5`` or ``gamma=-1`` are refused
with one line that names the field), and so are the agent specs it names and ``best_metric``:
nothing starts with a bad setting. The value types and those checks are in
:mod:`trainers.config_fields`; this module holds the fields and the loading, overriding and
resuming of a config.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

from trainers.config_fields import (
    Count,
    Count0,
    Flag,
    Fraction,
    Hidden,
    NonNegative,
    Positive,
    Text,
    check_across_fields,
    describe_errors,
)

RESUMABLE = ("total_decisions", "checkpoint_every", "eval_every", "eval_games", "threads")
"""Fields that ``arena train --resume DIR --set KEY=VALUE`` may change (the budget, and
bookkeeping that does not change what is learnt)."""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class TrainConfig:
    """Self-play PPO training of a decentralized actor."""

    # -- what ------------------------------------------------------------------------------
    game: Text = "liars_dice"
    """Game name (``arena games``)."""
    params: dict[str, Any] = field(default_factory=dict)
    """Game parameters; defaults fill the rest."""
    method: Literal["ctde", "cadp", "ctedd", "mmd", "cfr_plus"] = "ctde"
    """``ctde`` (local actor, critic on the global state), ``cadp`` or ``ctedd`` (self-play
    PPO); ``mmd`` or ``cfr_plus`` (full width: a tabular solve over every information state,
    then distilled into the actor; only games small enough to enumerate, the duel)."""
    critic: Literal["global", "local"] = "global"
    """``global``: the critic sees the global state (CTDE); ``local``: the acting seat's local
    observation only (the plain-critic baseline)."""
    name: Text = ""
    """Name of the exported agent (default: derived from the game and method)."""
    seed: Count0 = 0
    """Seed of everything: games, sampling, initial weights."""
    # -- budget and rollout ----------------------------------------------------------------
    total_decisions: Count = 2_000_000
    """Training budget: decisions collected (all seats)."""
    num_envs: Count = 512
    """Games played in lockstep; one batched network call per step."""
    steps_per_env: Count = 32
    """Decisions per game slot per update (games continue across updates)."""
    engine: Literal["batched", "per-game"] = "batched"
    """How the games are stepped: ``batched`` in numpy, many at once, where the game has a
    batched engine (Liar's Dice, games/liars_dice/batched.py; Skull, games/skull/batched.py;
    the same games, collected several times faster) and no opponent agent reads the text
    view; ``per-game``: one ``State`` each."""
    # -- networks --------------------------------------------------------------------------
    actor_hidden: Hidden = (256, 256)
    """Hidden layer sizes of the deployable actor MLP."""
    critic_hidden: Hidden = (256, 256, 256)
    """Hidden layer sizes of the critic MLP (training only)."""
    # -- PPO -------------------------------------------------------------------------------
    lr: Positive = 1e-4
    """Adam learning rate at the start."""
    lr_final: NonNegative = 0.0
    """Learning rate at the end of the budget (linear annealing)."""
    critic_lr: Positive = 3e-4
    """Adam learning rate of the critic (annealed like ``lr``)."""
    gamma: Fraction = 1.0
    """Discount per own decision (the games are finite; rewards are terminal)."""
    gae_lambda: Fraction = 0.95
    """GAE lambda over each seat's own decisions."""
    shaping: NonNegative = 0.0
    """Weight of potential-based reward shaping (:mod:`trainers.shaping`; Liar's Dice: the
    seat's share of the dice in play). It leaves the optimal policy unchanged and credits every
    round of a long elimination game; 0 trains on the game's returns alone."""
    clip: Annotated[float, Field(strict=True, gt=0, le=1)] = 0.1
    """PPO ratio clip."""
    epochs: Count = 4
    """Passes over each batch."""
    minibatches: Count = 1
    """Minibatches per epoch (1: one full batch)."""
    entropy_coef: NonNegative = 0.05
    """Entropy bonus at the start."""
    entropy_final: NonNegative = 0.0
    """Entropy bonus from ``entropy_until`` of the budget on (linear annealing before)."""
    entropy_until: Annotated[float, Field(strict=True, gt=0, le=1)] = 1.0
    """Fraction of the budget at which the entropy bonus reaches ``entropy_final`` (and stays)."""
    magnet_coef: NonNegative = 0.0
    """Weight ``alpha`` of the magnet term ``KL(pi || rho)``, the reverse KL from the policy to
    the magnet policy ``rho`` (docs/methods.md, "Magnet"); 0: none (plain PPO)."""
    magnet_every: Count0 = 0
    """Updates between magnet refreshes (``rho`` := the current policy); 0: the magnet stays
    the initial policy."""
    value_coef: NonNegative = 0.5
    """Weight of the critic's squared error."""
    max_grad_norm: Positive = 1.0
    """Gradient clipping (global norm), actor and critic separately."""
    normalize_advantages: Flag = True
    """Standardise advantages per batch."""
    # -- opponents -------------------------------------------------------------------------
    pool_size: Count0 = 8
    """Past snapshots kept as opponents (0: pure self-play)."""
    pool_prob: Fraction = 0.2
    """Probability that a new game seats one learner against a past snapshot."""
    snapshot_every: Count = 20
    """Updates between snapshots added to the pool."""
    opponent_agents: tuple[Text, ...] = ()
    """Fixed opponent agents (specs, e.g. ``heuristic``) for some games."""
    opponent_agent_prob: Fraction = 0.0
    """Probability that a new game seats one learner against a fixed agent in the other seats.
    (A resume restores the fixed agents' generators; agents keeping other state across moves
    would not be restored.)"""
    teacher: Text = ""
    """Kickstarting (:mod:`trainers.teacher`): an agent spec with a ``policy`` (e.g.
    ``heuristic``) whose distribution the learner is also trained to match at its own
    decisions, with a weight decayed to 0 (empty: none)."""
    teacher_coef: NonNegative = 1.0
    """Weight of the teacher's cross-entropy at the start."""
    teacher_until: Fraction = 0.25
    """Fraction of the budget at which the teacher's weight reaches 0."""
    # -- CADP (trainers.cadp) --------------------------------------------------------------
    cadp_heads: Count = 4
    """Heads of CADP's advice exchange (the authors use 4)."""
    cadp_head_dim: Count = 32
    """Width of each head's query, key and value; the logits are scaled by its square root."""
    cadp_advice_dim: Count = 128
    """Width of the advice features ``relu(W_z z + b_z)``, joined to the trunk's output before
    the action head (the exported CADP(D) actor is this much wider in every hidden layer)."""
    prune_alpha: NonNegative = 0.5
    """Weight of CADP's pruning loss ``L_p = -log c_ii`` (added to the actor loss only)."""
    prune_start: Fraction = 0.6
    """Fraction of the budget after which the pruning loss is switched on (and stays on)."""
    prune_hard: Fraction = 1.0
    """Fraction of the budget from which pruning is hard: the attention sees the acting seat
    only (``c_ii = 1``, the limit of an infinite ``prune_alpha``), so CADP(C) is CADP(D)
    exactly and PPO trains the deployable actor itself (1.0: never)."""
    # -- CTEDD (trainers.ctedd) ------------------------------------------------------------
    ctedd_global_fraction: Annotated[float, Field(strict=True, gt=0, lt=1)] = 0.5
    """Fraction of the updates (and so of the decisions) that train the global policy by PPO;
    the rest are the global policy's play from which the local actor is distilled."""
    ctedd_local_fraction: Annotated[float, Field(strict=True, ge=0, lt=1)] = 0.0
    """Fraction of the updates, at the end, in which the distilled local actor plays and is
    trained by self-play PPO from the distillation's result, with the global critic (our
    addition, like CADP's ``prune_hard``; 0: the paper's two phases). The distillation keeps
    the updates between the two phases, at least one."""
    ctedd_global_hidden: Hidden = (256, 256)
    """Hidden layer sizes of CTEDD's global policy (training only)."""
    distill_loss: Literal["mse", "kl"] = "mse"
    """``mse``: the squared distance between the global and local action distributions (the
    paper's ``L_D``); ``kl``: ``KL(global || local)``."""
    distill_lr: Positive = 1e-3
    """Adam learning rate of the distillation at its start (annealed like ``lr``; full width:
    annealed to 0 over each distillation's ``distill_epochs``)."""
    distill_batch: Count = 1024
    """Samples per batch taken from the distillation buffer (oldest first; full width:
    information states per minibatch)."""
    distill_iterations: Count = 4
    """Gradient steps on each batch taken from the buffer before the next one."""
    # -- full width: MMD and CFR+ (trainers.full_width) -------------------------------------
    tabular_iterations: Count = 2000
    """Iterations of the tabular solver (each one exact, over every information state)."""
    mmd_eta: Positive = 30.0
    """MMD's step size ``eta``."""
    mmd_alpha: NonNegative = 0.01
    """MMD's weight ``alpha`` of the magnet ``rho`` (0: plain mirror descent)."""
    mmd_magnet_every: Count0 = 10
    """MMD iterations between magnet refreshes ``rho := pi`` (0: the magnet stays uniform)."""
    distill_epochs: Count = 200
    """Full width: passes over the information states in each distillation into the actor."""
    distill_weighting: Literal["reach", "uniform"] = "reach"
    """Full width: weight of each information state in the distillation's KL: the acting
    seat's own reach probability under the tabular policy, or 1."""
    distill_every: Count0 = 0
    """Full width: iterations between distillations during the solve (each continues the
    same actor; 0: only the final one); their NashConv goes to the metrics."""
    # -- bookkeeping -----------------------------------------------------------------------
    eval_every: Count0 = 50
    """Updates between evaluations (0: only at the end); full width: iterations between
    measurements of the tabular policy's NashConv."""
    eval_games: Count = 200
    """Games per evaluation opponent (random, heuristic)."""
    checkpoint_every: Count = 25
    """Updates between checkpoints."""
    export: Literal["best", "final"] = "best"
    """Which actor the package gets: ``best`` (the best evaluation so far) or ``final``."""
    best_metric: Text = "auto"
    """The evaluation that picks ``best``: ``auto`` is NashConv on the OpenSpiel Liar's Dice
    configuration, else the mean win rate against the evaluation opponents; or the name of one
    evaluation column (e.g. ``win_vs_heuristic``; ``nash_conv`` is minimised)."""
    threads: Count = 2
    """torch threads of the network calls and the update (2: both cores of the reference
    machine). With 2 or more, the actor's and the critic's PPO epochs run side by side on half
    of them each (``trainers.ppo.ppo_update``): the duel's training 1.5x the speed of 1 thread.
    A run is reproducible with the same number of threads."""

    def __post_init__(self) -> None:
        """Checks across fields (:func:`~trainers.config_fields.check_across_fields`); the game's
        defaults fill ``params``."""
        object.__setattr__(self, "params", check_across_fields(self).params)

    @property
    def batch_size(self) -> int:
        """Decisions per update."""
        return self.num_envs * self.steps_per_env

    @property
    def num_updates(self) -> int:
        """Updates in the budget."""
        return max(1, self.total_decisions // self.batch_size)

    @property
    def budget_note(self) -> str | None:
        """How the budget is rounded to whole updates, when it is (None when met exactly)."""
        trained = self.num_updates * self.batch_size
        if trained == self.total_decisions:
            return None
        return (
            f"total_decisions {self.total_decisions:,} is not a multiple of the "
            f"{self.batch_size:,} decisions of an update (num_envs x steps_per_env): "
            f"training {trained:,} decisions in {self.num_updates:,} updates"
        )

    @property
    def agent_name(self) -> str:
        """The exported agent's name."""
        return self.name or f"{self.game}-{self.method}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of every field."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


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
    except ValidationError as exc:
        raise ValueError(describe_errors(exc)) from None


def resume_config(saved: dict[str, Any], overrides: list[str] | None = None) -> TrainConfig:
    """The config of a run being resumed: the saved one, with overrides of :data:`RESUMABLE`
    fields only (e.g. a larger ``total_decisions`` extends a finished run).

    Raises:
        ValueError: an override is invalid or changes another field.
    """
    cfg = config_from_dict(saved, overrides)
    check_resumable(config_from_dict(saved), cfg)
    return cfg


def check_resumable(saved: TrainConfig, cfg: TrainConfig) -> None:
    """Refuse to resume a run of config ``saved`` with ``cfg`` if they differ beyond
    :data:`RESUMABLE`."""
    changed = [
        f.name
        for f in dataclasses.fields(TrainConfig)
        if f.name not in RESUMABLE and getattr(saved, f.name) != getattr(cfg, f.name)
    ]
    if changed:
        raise ValueError(
            f"the checkpoint was made with another config ({', '.join(changed)} differ): a "
            f"resumed run may change only {', '.join(RESUMABLE)}"
        )


def load_config(name_or_path: str, overrides: list[str] | None = None) -> TrainConfig:
    """Load a TOML config (a path, or the name of a shipped one) and apply overrides."""
    return config_from_dict(_read_toml(name_or_path), overrides)
