"""The deployable actor network, and the agent that plays it in numpy (no torch).

An actor maps a LOCAL observation (``Observation.tensor``, float32 of length ``obs_dim``) to
logits over the game's ``num_distinct_actions``; illegal actions are masked with
``Observation.legal_mask``. It is all a deployed agent needs: critics, the CADP advice actor and
the CTEDD global policy live in ``trainers`` and are built on top of the torch network
:class:`agents.mlp.MLPActor`, but only the actor's own parameters are ever exported (see
:mod:`agents.package`).

Parameter names are stable because they are the keys of ``actor.safetensors``::

    trunk.0.weight  (hidden[0], obs_dim)      trunk.0.bias  (hidden[0],)
    trunk.2.weight  (hidden[1], hidden[0])    trunk.2.bias  (hidden[1],)
    ...                                       (odd trunk indices are the activations)
    head.weight     (num_actions, hidden[-1]) head.bias     (num_actions,)

A :class:`NeuralAgent` plays :class:`ActorWeights`: those parameters as float32 arrays and the
same forward pass in numpy. An agent host playing a package therefore never imports torch
(about 1.5 s and 250 MB less per host); the torch network is built only when someone asks for
:attr:`NeuralAgent.actor` (trainers, exact evaluation, tests). The two forward passes agree to
float32 rounding (about 1e-5 on the logits).

This module imports neither torch, ``trainers`` nor ``arena``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np

from agents.base import BaseAgent
from games.core import Game, Observation, describe_params

if TYPE_CHECKING:
    from agents.mlp import MLPActor
    from agents.package import PackageManifest

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda h: np.maximum(h, np.float32(0.0), out=h),
    "tanh": lambda h: np.tanh(h, out=h),
}
"""Activation names allowed in :class:`ActorConfig` -> their numpy function (in place)."""
_CONFIG_FIELDS = ("obs_dim", "num_actions", "hidden", "activation")


def _is_positive_int(value: Any) -> bool:
    """True for an ``int`` (not a ``bool``) greater than zero."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass(frozen=True)
class ActorConfig:
    """The architecture of an actor network; stored as ``architecture`` in ``agent.json``.

    Attributes:
        obs_dim: length of the local observation tensor (``game.observation_shape[0]``).
        num_actions: number of logits (``game.num_distinct_actions``).
        hidden: widths of the hidden layers, input side first; ``()`` is a linear policy.
        activation: the nonlinearity after each hidden layer, one of ``relu``, ``tanh``.

    Raises:
        ValueError: when a field is not of the allowed type or value.
    """

    obs_dim: int
    num_actions: int
    hidden: tuple[int, ...] = (256, 256)
    activation: str = "relu"

    def __post_init__(self) -> None:
        if isinstance(self.hidden, list):
            object.__setattr__(self, "hidden", tuple(self.hidden))
        for field_name in ("obs_dim", "num_actions"):
            value = getattr(self, field_name)
            if not _is_positive_int(value):
                raise ValueError(f"{field_name} must be a positive int, got {value!r}")
        if not isinstance(self.hidden, tuple) or not all(map(_is_positive_int, self.hidden)):
            raise ValueError(f"hidden must be a tuple of positive ints, got {self.hidden!r}")
        if self.activation not in ACTIVATIONS:
            allowed = ", ".join(ACTIVATIONS)
            raise ValueError(f"activation must be one of {allowed}, got {self.activation!r}")

    @classmethod
    def for_game(
        cls, game: Game, hidden: Sequence[int] = (256, 256), activation: str = "relu"
    ) -> ActorConfig:
        """The configuration of an actor for ``game`` (its observation and action sizes)."""
        return cls(
            obs_dim=int(game.observation_shape[0]),
            num_actions=int(game.num_distinct_actions),
            hidden=tuple(hidden),
            activation=activation,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``hidden`` as a list)."""
        return {
            "obs_dim": self.obs_dim,
            "num_actions": self.num_actions,
            "hidden": list(self.hidden),
            "activation": self.activation,
        }

    @classmethod
    def from_json(cls, data: Any) -> ActorConfig:
        """Parse :meth:`to_json`'s output strictly (exact keys, exact types).

        Raises:
            ValueError: for a non-object, missing or unknown keys, or ill-typed values.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"an architecture must be a JSON object, got {type(data).__name__}")
        missing = [key for key in _CONFIG_FIELDS if key not in data]
        unknown = sorted(set(data) - set(_CONFIG_FIELDS))
        if missing or unknown:
            raise ValueError(
                f"an architecture has exactly the keys {', '.join(_CONFIG_FIELDS)}; "
                f"missing {missing}, unknown {unknown}"
            )
        if not isinstance(data["hidden"], list):
            raise ValueError(f"hidden must be a list of positive ints, got {data['hidden']!r}")
        return cls(
            obs_dim=data["obs_dim"],
            num_actions=data["num_actions"],
            hidden=tuple(data["hidden"]),
            activation=data["activation"],
        )

    def mismatch(self, game: Game) -> str | None:
        """None when this actor fits ``game``'s observation and action sizes, else why not."""
        problems = []
        if (self.obs_dim,) != tuple(game.observation_shape):
            problems.append(
                f"obs_dim {self.obs_dim} != observation_shape {tuple(game.observation_shape)}"
            )
        if self.num_actions != game.num_distinct_actions:
            problems.append(
                f"num_actions {self.num_actions} != num_distinct_actions "
                f"{game.num_distinct_actions}"
            )
        return "; ".join(problems) or None

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter name of the actor (the safetensors keys) -> its shape."""
        dims = (self.obs_dim, *self.hidden)
        shapes: dict[str, tuple[int, ...]] = {}
        for layer, (fan_in, fan_out) in enumerate(pairwise(dims)):
            shapes[f"trunk.{2 * layer}.weight"] = (fan_out, fan_in)
            shapes[f"trunk.{2 * layer}.bias"] = (fan_out,)
        shapes["head.weight"] = (self.num_actions, dims[-1])
        shapes["head.bias"] = (self.num_actions,)
        return shapes


@dataclass(frozen=True, eq=False)
class ActorWeights:
    """An actor's parameters as float32 arrays (the ``actor.safetensors`` keys) and its forward
    pass in numpy: ``Linear -> activation`` per hidden layer, then the linear head.

    Attributes:
        config: the architecture.
        arrays: parameter name -> array, exactly :meth:`ActorConfig.parameter_shapes`.
    """

    config: ActorConfig
    arrays: Mapping[str, np.ndarray]

    @classmethod
    def of(cls, actor: MLPActor) -> ActorWeights:
        """A copy of a torch actor's current parameters (later training does not change it)."""
        state = actor.state_dict()
        return cls(
            actor.config,
            {
                key: state[key].detach().cpu().numpy().astype(np.float32, copy=True)
                for key in actor.config.parameter_shapes()
            },
        )

    def logits(self, tensors: np.ndarray) -> np.ndarray:
        """Float32 logits ``(n, num_actions)`` of float32 observations ``(n, obs_dim)``."""
        activation = ACTIVATIONS[self.config.activation]
        hidden = tensors
        for layer in range(len(self.config.hidden)):
            weight = self.arrays[f"trunk.{2 * layer}.weight"]
            hidden = activation(hidden @ weight.T + self.arrays[f"trunk.{2 * layer}.bias"])
        return hidden @ self.arrays["head.weight"].T + self.arrays["head.bias"]


def masked_softmax(logits: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Float64 probabilities: exactly zero where ``masks`` is false, each row summing to 1.

    Raises:
        ValueError: for a row with no legal action or non-finite logits.
    """
    if not np.all(masks.any(axis=1)):
        raise ValueError("an observation has no legal action (is it this seat's turn?)")
    if not np.all(np.isfinite(logits)):
        raise ValueError("the actor produced non-finite logits (diverged weights?)")
    shifted = np.where(masks, logits, -np.inf)
    shifted = shifted - shifted.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    return probs / probs.sum(axis=1, keepdims=True)


class NeuralAgent(BaseAgent):
    """Plays an actor network from the local observation tensor and legal mask only, in numpy.

    Args:
        actor: the network's :class:`ActorWeights`, or a torch :class:`agents.mlp.MLPActor`
            whose parameters are copied now (the actor itself is left alone).
        game: the game name the actor was trained for.
        params: the complete game parameters it was trained for (matched exactly).
        observation_encoding: the encoding version it was trained on.
        name: the agent's name.
        deterministic: play the most probable legal action instead of sampling.
        manifest: the package manifest, when loaded from a package.
    """

    def __init__(
        self,
        actor: ActorWeights | MLPActor,
        *,
        game: str,
        params: Mapping[str, Any],
        observation_encoding: str,
        name: str = "neural",
        deterministic: bool = False,
        manifest: PackageManifest | None = None,
    ) -> None:
        super().__init__()
        self.weights = actor if isinstance(actor, ActorWeights) else ActorWeights.of(actor)
        self._torch_actor: MLPActor | None = None
        self.game_name = game
        self.params = dict(params)
        self.observation_encoding = observation_encoding
        self.name = name
        self.deterministic = deterministic
        self.manifest = manifest

    @classmethod
    def for_game(
        cls,
        actor: ActorWeights | MLPActor,
        game: Game,
        *,
        name: str = "neural",
        deterministic: bool = False,
    ) -> NeuralAgent:
        """An agent playing ``actor`` in exactly ``game``'s configuration (e.g. for evaluation)."""
        return cls(
            actor,
            game=game.name,
            params=game.params,
            observation_encoding=game.observation_encoding,
            name=name,
            deterministic=deterministic,
        )

    def supports(self, game: Game) -> str | None:
        """None when ``game`` is the configuration and encoding the actor was trained for."""
        if game.name != self.game_name:
            return f"trained for the game {self.game_name!r}, not {game.name!r}"
        if game.params != self.params:
            return f"trained for {describe_params(self.params)}; got {describe_params(game.params)}"
        if game.observation_encoding != self.observation_encoding:
            return (
                f"trained on the observation encoding {self.observation_encoding!r}, but this "
                f"version of the game encodes {game.observation_encoding!r}"
            )
        return self.weights.config.mismatch(game)

    def policy(self, obs: Observation) -> np.ndarray:
        """Float64 action probabilities, exactly zero on illegal actions, summing to 1."""
        return self.policy_batch([obs])[0]

    def policy_batch(self, observations: Sequence[Observation]) -> np.ndarray:
        """Probabilities ``(n, num_actions)`` of several observations, in ONE forward pass.

        Raises:
            ValueError: for a tensor or mask of the wrong size, or an observation with no
                legal action.
        """
        return self.policy_arrays(*self._stack(observations))

    def policy_arrays(self, tensors: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """:meth:`policy_batch` of observations given as arrays: float32 tensors
        ``(n, obs_dim)`` and masks ``(n, num_actions)`` (the referee's batch, as it arrives).

        Raises:
            ValueError: for arrays of the wrong shape, or a row with no legal action.
        """
        config = self.weights.config
        if tensors.shape[1:] != (config.obs_dim,) or masks.shape[1:] != (config.num_actions,):
            raise ValueError(
                f"agent {self.name!r} expects tensors of length {config.obs_dim} and masks of "
                f"length {config.num_actions}, got {tensors.shape[1:]} and {masks.shape[1:]}"
            )
        tensors = np.ascontiguousarray(tensors, dtype=np.float32)
        masks = masks != 0
        logits = self.weights.logits(tensors).astype(np.float64)
        return masked_softmax(logits, masks)

    def act(self, obs: Observation) -> int:
        """A legal action: sampled with the seeded generator, or the greedy one."""
        return self.act_batch([obs])[0]

    def act_batch(self, obs: Sequence[Observation]) -> list[int]:
        """Actions for several observations (one forward pass; samples drawn in order)."""
        if len(obs) == 0:
            return []
        return [self.choose(row) for row in self.policy_batch(obs)]

    def choose(self, probs: np.ndarray) -> int:
        """The greedy action (lowest index on ties) or one sampled from ``probs``."""
        if self.deterministic:
            return int(np.argmax(probs))
        return super().choose(probs)

    choose.batchable = True  # type: ignore[attr-defined]  (agents.base.choose_rows)

    @property
    def shared_policy(self) -> ActorWeights:
        """What the copies made by :meth:`spawn` share: the network."""
        return self.weights

    @property
    def actor(self) -> MLPActor:
        """The network in torch (frozen), built on first use: for exact evaluation and
        training code; playing never needs it."""
        if self._torch_actor is None:
            from agents.mlp import actor_from_arrays

            self._torch_actor = actor_from_arrays(self.weights.config, self.weights.arrays)
        return self._torch_actor

    def batch_leaf(self) -> NeuralAgent:
        """Itself: copies of one network are answered with one forward pass."""
        return self

    def _stack(self, observations: Sequence[Observation]) -> tuple[np.ndarray, np.ndarray]:
        """The tensors and masks of ``observations``, stacked (checked by :meth:`policy_arrays`)."""
        tensors = np.stack([np.asarray(o.tensor, dtype=np.float32) for o in observations])
        masks = np.stack([np.asarray(o.legal_mask) for o in observations])
        return tensors, masks
