"""The Agent protocol and agent specs.

An agent chooses an action from a LOCAL observation only (:class:`games.core.Observation`: the
player-relative tensor, the legal mask and the seat's text view). It never receives a State or
the global state, so a deployed agent is decentralized by construction.

Agent specs name agents on the command line and in tournament records:

* ``random``, ``heuristic``, ``cfr`` — built-ins;
* ``module.path:factory`` — a callable returning an Agent (``factory()``);
* ``cmd:PROGRAM [ARGS]`` or a directory with ``agent.toml`` — a program in any language
  speaking the protocol of docs/protocol.md (:mod:`agents.external`);
* a name registered by another package under the entry-point group ``arena.agents``;
* agent packages on disk and ``zoo:NAME`` (:mod:`agents.package`), programs speaking the
  protocol (:mod:`agents.external`): the resolvers of :data:`SPEC_RESOLVERS`; others may be
  added with :func:`add_resolver`.

:func:`load_agent` turns a spec into a fresh agent and :func:`check_agent` refuses, before any
game starts, a spec that is unknown or an agent that does not support the game.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, Protocol, runtime_checkable

import numpy as np

from games.core import Game, Observation

ENTRY_POINT_GROUP = "arena.agents"

BUILTINS: dict[str, str] = {
    "random": "agents.random:RandomAgent",
    "heuristic": "agents.heuristic:HeuristicAgent",
    "cfr": "agents.cfr:CFRAgent",
}
"""Built-in agent names -> ``module:factory``."""


class AgentSpecError(ValueError):
    """An agent spec that cannot be resolved, or an agent that cannot play the game."""


@runtime_checkable
class Agent(Protocol):
    """What every agent provides. ``policy(obs)`` is optional (see :class:`BaseAgent`)."""

    name: str

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        """Prepare for a new game in ``seat``; ``seed`` drives any randomness of the agent."""

    def act(self, obs: Observation) -> int:
        """The action to play (must be legal in ``obs.legal_mask``)."""

    def act_batch(self, obs: Sequence[Observation]) -> list[int]:
        """Actions for several observations (e.g. many games at once)."""


class BaseAgent:
    """Convenience base: seeded generator, game check, batched and sampled play.

    Subclasses implement :meth:`policy` (stochastic agents, so exact evaluation is possible)
    or override :meth:`act`.
    """

    name = "agent"
    needs_text = False
    """Whether :meth:`act` reads ``Observation.text`` (the referee renders it only then)."""

    def __init__(self) -> None:
        self.game: Game | None = None
        self.seat = 0
        self.rng = np.random.default_rng()

    def supports(self, game: Game) -> str | None:
        """``None`` if this agent can play ``game``, else the reason why not."""
        return None

    def reset(self, game: Game, seat: int, seed: int | None) -> None:
        self.check_supports(game)
        self.game, self.seat = game, seat
        self.rng = np.random.default_rng(seed)

    def check_supports(self, game: Game) -> None:
        """Raise :class:`AgentSpecError` with the reason if this agent cannot play ``game``."""
        reason = self.supports(game)
        if reason is not None:
            raise AgentSpecError(f"agent {self.name!r} cannot play {game!r}: {reason}")

    def policy(self, obs: Observation) -> np.ndarray:
        """Action probabilities over ``num_distinct_actions`` (zero on illegal actions)."""
        raise NotImplementedError(f"agent {self.name!r} has no explicit policy")

    def act(self, obs: Observation) -> int:
        return self.choose(self.policy(obs))

    def act_batch(self, obs: Sequence[Observation]) -> list[int]:
        return [self.act(o) for o in obs]

    def choose(self, probs: np.ndarray) -> int:
        """An action drawn from ``probs`` with one uniform of this agent's generator.

        The same draw as ``rng.choice(len(probs), p=probs / probs.sum())``, so one row of a
        batch gives exactly the action :meth:`act` would.
        """
        cdf = np.cumsum(probs)
        return int(np.searchsorted(cdf / cdf[-1], self.rng.random(), side="right"))

    choose.batchable = True  # type: ignore[attr-defined]  (see choose_rows)

    def spawn(self) -> BaseAgent:
        """A copy for one more game played at the same time (shares read-only weights).

        The referee keeps one copy per game in flight, each reset with that game's seed, so
        a game's result does not depend on how many games are played together. Agents that
        mutate shared containers during play override this (the default is a shallow copy).
        """
        return copy.copy(self)

    def end(self, returns: Sequence[float]) -> None:
        """Called when the game this copy played ended, with every seat's return (optional
        hook: the default does nothing; the referee may call it late, or not at all when it
        stops)."""

    def batch_leaf(self) -> BaseAgent | None:
        """The agent whose ``policy_batch`` can serve this one together with its copies.

        None (the default) when this agent acts one observation at a time. Agents returning
        themselves provide ``policy_batch(observations)`` and :attr:`shared_policy`, the
        object their copies share (weights, a table). An agent host asks once per game, after
        :meth:`reset`: the leaf must not change during a game.
        """
        return None


def batch_leaf_of(agent: Agent) -> Any:
    """The agent's batch leaf (see :meth:`BaseAgent.batch_leaf`), or None."""
    leaf_of = getattr(agent, "batch_leaf", None)
    leaf = leaf_of() if callable(leaf_of) else None
    if leaf is None or not (hasattr(leaf, "policy_batch") or hasattr(leaf, "act_together")):
        return None
    return leaf


def group_key(leaf: Any) -> tuple:
    """Copies answered together share this key: their type and what they share."""
    return (type(leaf), id(getattr(leaf, "shared_policy", leaf)))


def act_arrays(
    agents: Sequence[Agent],
    players: Sequence[int],
    tensors: np.ndarray,
    masks: np.ndarray,
    texts: Sequence[str] | None = None,
    leaves: Sequence[Any] | None = None,
    keys: Sequence[tuple] | None = None,
) -> list[object]:
    """:func:`act_many` for observations given as stacked arrays (row ``i`` is the observation
    of ``agents[i]``, seat ``players[i]``), as the referee sends them.

    When every agent is a copy of one batchable agent whose leaf offers ``policy_arrays``
    (neural agents), the arrays go to ONE call as they are, with no per-observation objects;
    otherwise each row becomes an :class:`~games.core.Observation` for :func:`act_many`. The
    results are the same either way. ``leaves`` and ``keys``: the agents' :func:`batch_leaf_of`
    and those leaves' :func:`group_key`, when the caller keeps them (an agent host finds each
    game's once, when the game starts).
    """
    if leaves is None:
        leaves = [batch_leaf_of(agent) for agent in agents]
    first = leaves[0] if leaves else None
    if first is not None and hasattr(first, "policy_arrays"):
        if keys is None:
            keys = [group_key(leaf) for leaf in leaves]
        if len(set(keys)) == 1:
            try:
                probs = first.policy_arrays(tensors, masks)
            except Exception:  # act_many finds which observation it was
                pass
            else:
                return choose_rows(leaves, probs)
    observations = [
        Observation(player, tensors[i], masks[i], texts[i] if texts is not None else "")
        for i, player in enumerate(players)
    ]
    return act_many(agents, observations)


def act_many(agents: Sequence[Agent], observations: Sequence[Observation]) -> list[object]:
    """One action (or the exception raised) per ``(agent, observation)`` pair.

    Copies of one batchable agent (see :meth:`BaseAgent.batch_leaf`) are answered with ONE
    ``policy_batch`` call, each then sampling with its own generator, or with ONE
    ``act_together(copies, observations)`` call (agents that answer with actions, such as
    external programs); any other agent acts alone. The results equal those of calling each
    agent's ``act`` in turn.
    """
    results: list[object] = [None] * len(agents)
    groups: dict[tuple, list[int]] = {}
    for i, agent in enumerate(agents):
        leaf = batch_leaf_of(agent)
        if leaf is not None:
            groups.setdefault(group_key(leaf), []).append(i)
            continue
        try:
            results[i] = agent.act(observations[i])
        except Exception as exc:  # the referee turns it into a forfeit of this game only
            results[i] = exc
    for members in groups.values():
        leaves = [agents[i].batch_leaf() for i in members]
        together = getattr(leaves[0], "act_together", None)
        if together is not None:
            answers = together(leaves, [observations[i] for i in members])
            for i, answer in zip(members, answers, strict=True):
                results[i] = answer
            continue
        try:
            probs = leaves[0].policy_batch([observations[i] for i in members])
        except Exception:  # find which observation it was: one at a time
            for i in members:
                try:
                    results[i] = agents[i].act(observations[i])
                except Exception as exc:
                    results[i] = exc
            continue
        for i, action in zip(members, choose_rows(leaves, probs), strict=True):
            results[i] = action
    return results


def choose_rows(leaves: Sequence[BaseAgent], probs: np.ndarray) -> list[object]:
    """``leaf.choose(row)`` for each row (or the exception raised), vectorised when possible.

    Agents whose ``choose`` is the stock one (marked ``batchable``) draw their uniform numbers
    one each, in order, and the inverse-CDF lookups are done for all rows at once: the same
    actions as calling ``choose`` row by row. Others are called row by row.
    """
    kinds = {type(leaf) for leaf in leaves}
    if not all(getattr(kind.choose, "batchable", False) for kind in kinds):
        out: list[object] = []
        for leaf, row in zip(leaves, probs, strict=True):
            try:
                out.append(leaf.choose(row))
            except Exception as exc:
                out.append(exc)
        return out
    # one uniform per sampling row, in order; -1 marks a greedy row
    uniforms = np.array(
        [-1.0 if getattr(leaf, "deterministic", False) else leaf.rng.random() for leaf in leaves]
    )
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    sampled = (cdf <= uniforms[:, None]).sum(axis=1)
    return np.where(uniforms < 0, probs.argmax(axis=1), sampled).tolist()


AgentFactory = Callable[[], Agent]
Resolver = Callable[[str], AgentFactory | None]
SPEC_RESOLVERS: tuple[str, ...] = (
    "agents.external:resolve_spec",
    "agents.package:resolve_spec",
)
"""The resolvers of this project, asked in order (imported on first use): programs speaking
the protocol (``cmd:``, ``agent.toml``), then packages on disk and ``zoo:NAME``."""
_RESOLVERS: list[Resolver] = []


def add_resolver(resolver: Resolver) -> None:
    """Register a further resolver (asked after :data:`SPEC_RESOLVERS`): ``resolver(spec)``
    returns a factory, or None if not its kind."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def _import_factory(target: str, spec: str) -> AgentFactory:
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AgentSpecError(
            f"agent {spec!r}: cannot import module {module_name!r}: {exc}"
        ) from exc
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise AgentSpecError(f"agent {spec!r}: {module_name!r} has no callable {attr!r}")
    return factory


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def resolve(spec: str) -> AgentFactory:
    """The factory of the agent named by ``spec``.

    Raises:
        AgentSpecError: for an unknown or broken spec (the message says what is known).
    """
    spec = spec.strip()
    if spec in BUILTINS:
        return _import_factory(BUILTINS[spec], spec)
    ours = [_import_factory(target, target) for target in SPEC_RESOLVERS]
    for resolver in [*ours, *_RESOLVERS]:
        factory = resolver(spec)
        if factory is not None:
            return factory
    plugins = _entry_points()
    if spec in plugins:
        return plugins[spec].load()
    if ":" in spec and not spec.startswith(("zoo:", "human:", "cmd:")):
        return _import_factory(spec, spec)
    known = ", ".join([*BUILTINS, *sorted(plugins)])
    raise AgentSpecError(
        f"unknown agent {spec!r}: use one of {known}, a path to an agent package, zoo:NAME, "
        f"module.path:factory, or cmd:PROGRAM (see docs/protocol.md)"
    )


def load_agent(spec: str) -> Agent:
    """A fresh agent for ``spec`` (see :func:`resolve`)."""
    agent = resolve(spec)()
    if not isinstance(agent, Agent):
        raise AgentSpecError(f"agent {spec!r} does not implement reset/act/act_batch")
    return agent


def check_agent(spec: str, game: Game) -> None:
    """Refuse, before any game starts, a spec that cannot play ``game``.

    Raises:
        AgentSpecError: unknown spec, or the agent does not support the configuration.
    """
    agent = load_agent(spec)
    supports = getattr(agent, "supports", None)
    reason = supports(game) if callable(supports) else None
    if reason is not None:
        raise AgentSpecError(f"agent {spec!r} cannot play {game!r}: {reason}")


def available_specs() -> list[str]:
    """Names of the built-in and plug-in agents (not paths or zoo entries)."""
    return [*BUILTINS, *sorted(_entry_points())]
