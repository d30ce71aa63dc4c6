"""What a training config may hold: the methods, the value types of the fields, the checks.

:class:`~trainers.config.TrainConfig` declares its fields with the types here (pydantic checks
each value's type and range when a config is built), then runs :func:`check_across_fields`;
:func:`describe_errors` turns a refusal into the one line the user sees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, ValidationError

import games
from trainers.shaping import potential_for
from trainers.teacher import Teacher

if TYPE_CHECKING:
    from trainers.config import TrainConfig

METHODS = ("ctde", "cadp", "ctedd", "mmd", "cfr_plus")
FULL_WIDTH = ("mmd", "cfr_plus")
"""Methods that solve the game on its enumerated information states (:mod:`trainers.full_width`)
instead of self-play PPO; only for the OpenSpiel configuration of Liar's Dice."""
CRITICS = ("global", "local")
DISTILL_LOSSES = ("mse", "kl")

Count = Annotated[int, Field(strict=True, ge=1)]
"""An integer >= 1 (``true`` and ``1.5`` are refused)."""
Count0 = Annotated[int, Field(strict=True, ge=0)]
"""An integer >= 0."""
Positive = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
"""A finite number > 0 (integers are accepted)."""
NonNegative = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
"""A finite number >= 0."""
Fraction = Annotated[float, Field(strict=True, ge=0, le=1)]
"""A number in [0, 1]."""
Text = Annotated[str, Field(strict=True)]
Flag = Annotated[bool, Field(strict=True)]
Hidden = Annotated[tuple[Count, ...], Field(min_length=1)]
"""Hidden layer sizes: at least one layer, each >= 1."""


def check_across_fields(cfg: TrainConfig) -> games.Game:
    """Checks across the fields of ``cfg`` (each field's type and range are checked before):
    the game and its parameters, the method for that game, the opponents, shaping, teacher and
    ``best_metric``; returns the game.

    Raises:
        ValueError: what is wrong, naming the field.
    """
    game = games.make(cfg.game, **cfg.params)
    if cfg.method in FULL_WIDTH:
        _check_enumerable(cfg.method, game)
    if cfg.pool_prob + cfg.opponent_agent_prob > 1.0:
        raise ValueError(
            f"pool_prob + opponent_agent_prob must not exceed 1, got {cfg.pool_prob} + "
            f"{cfg.opponent_agent_prob}"
        )
    if cfg.ctedd_global_fraction + cfg.ctedd_local_fraction >= 1.0:
        raise ValueError(
            "ctedd_global_fraction + ctedd_local_fraction must be below 1 (the distillation "
            f"between them needs updates), got {cfg.ctedd_global_fraction} + "
            f"{cfg.ctedd_local_fraction}"
        )
    if cfg.opponent_agent_prob > 0 and not cfg.opponent_agents:
        raise ValueError("opponent_agent_prob > 0 needs opponent_agents (agent specs)")
    from agents.base import check_agent

    for spec in cfg.opponent_agents:
        _named("opponent_agents", check_agent, spec, game)
    if cfg.shaping:
        _named("shaping", potential_for, game)
    if cfg.teacher:
        _named("teacher", Teacher, cfg.teacher, game, 0)
    allowed = ("auto", *evaluation_columns(cfg.method, game))
    if cfg.best_metric not in allowed:
        raise ValueError(
            f"best_metric must be one of {', '.join(allowed)}, got {cfg.best_metric!r}"
        )
    return game


def _check_enumerable(method: str, game: games.Game) -> None:
    """Refuse a full-width method on a game whose information states it cannot enumerate."""
    from trainers.evaluate import is_openspiel_config

    if not is_openspiel_config(game):
        given = ", ".join(f"{k}={v}" for k, v in game.params.items())
        raise ValueError(
            f"method {method} enumerates every information state and only handles liars_dice "
            f"in the OpenSpiel configuration (the duel: players=2, dice=1, sides=6, "
            f"single_round); got {game.name} with {given}: use ctde, cadp or ctedd"
        )


def _named(field_name: str, check: Any, *args: Any) -> None:
    """Run ``check(*args)``; a ValueError it raises is raised again naming ``field_name``."""
    try:
        check(*args)
    except ValueError as exc:
        raise ValueError(f"{field_name}: {exc}") from exc


def evaluation_columns(method: str, game: games.Game) -> tuple[str, ...]:
    """The evaluation columns a run of ``method`` on ``game`` logs (``best_metric`` choices)."""
    from trainers.evaluate import is_openspiel_config

    prefixes = {"ctde": ("",), "cadp": ("", "cadp_c_", "cadp_d_"), "ctedd": ("", "global_")}
    prefixes |= {name: ("",) for name in FULL_WIDTH}
    exact = is_openspiel_config(game)
    columns: list[str] = []
    for prefix in prefixes[method]:
        columns += [f"{prefix}win_vs_random", f"{prefix}win_vs_heuristic"]
        columns += [f"{prefix}nash_conv"] if exact else []
    return tuple(columns)


def describe_errors(exc: ValidationError) -> str:
    """The first validation error of a config as one line: the field, what is allowed, the
    value given."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if not where:  # a check across fields (``__post_init__``)
        return f"bad config: {message}"
    return f"bad config value {where}={error['input']!r}: {message}"
