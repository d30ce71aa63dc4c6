"""The shared PPO update (trainers/ppo.py): the magnet term, coefficient 0, divergence."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from trainers.guards import NonFiniteError
from trainers.ppo import (
    PPOBatch,
    PPOModels,
    PPOSettings,
    actor_objective,
    explained_variance,
    magnet_kl,
    policy_losses,
    ppo_update,
)
from trainers.rollout import masked_log_softmax

SETTINGS = PPOSettings(
    clip=0.2,
    entropy_coef=0.01,
    value_coef=0.5,
    epochs=2,
    minibatches=2,
    max_grad_norm=1.0,
    normalize_advantages=True,
)


def test_magnet_kl_is_the_reverse_kl_from_the_policy_to_the_magnet_by_hand():
    # pi = (1/2, 1/2, illegal), rho = (1/4, 3/4, illegal):
    # KL(pi || rho) = 1/2 ln(1/2 / 1/4) + 1/2 ln(1/2 / 3/4) = 1/2 ln(4/3) = 0.143841...
    mask = torch.tensor([[True, True, False]])
    logp = masked_log_softmax(torch.tensor([[0.0, 0.0, 5.0]]), mask)
    magnet = torch.log(torch.tensor([[0.25, 0.75, 1e-30]]))
    value = magnet_kl(logp, magnet, mask)
    assert value.item() == pytest.approx(0.5 * math.log(4 / 3), abs=1e-6)
    assert 0.5 * math.log(4 / 3) == pytest.approx(0.1438410362)
    assert magnet_kl(logp, logp, mask).item() == 0.0  # no pull when rho = pi


def test_actor_objective_is_pg_minus_entropy_plus_magnet_plus_extra():
    losses = {"pg_loss": 0.5, "entropy": 1.2, "magnet_kl": 0.143841}
    losses = {k: torch.tensor(v) for k, v in losses.items()}
    extra = torch.tensor(0.25)
    settings = PPOSettings(**{**SETTINGS.__dict__, "entropy_coef": 0.1, "magnet_coef": 0.3})
    expected = 0.5 - 0.1 * 1.2 + 0.3 * 0.143841 + 0.25
    assert actor_objective(losses, settings, extra).item() == pytest.approx(expected, abs=1e-6)
    assert actor_objective(losses, SETTINGS, extra).item() == pytest.approx(0.5 - 0.012 + 0.25)


def _problem(seed: int) -> tuple[nn.Module, nn.Module, PPOBatch]:
    gen = torch.Generator().manual_seed(seed)
    actor = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    critic = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    n = 16
    mask = torch.ones(n, 3, dtype=torch.bool)
    mask[::3, 2] = False
    batch = PPOBatch(
        obs=torch.randn(n, 4, generator=gen),
        critic_in=torch.randn(n, 4, generator=gen),
        seat=torch.zeros(n, dtype=torch.int64),
        mask=mask,
        action=torch.zeros(n, dtype=torch.int64),
        old_logp=torch.full((n,), -1.1),
        advantages=torch.randn(n, generator=gen),
        returns=torch.randn(n, generator=gen),
        index=torch.arange(n),
    )
    return actor, critic, batch


def _update(actor, critic, batch, settings) -> dict[str, float]:
    def actor_fn(mb: PPOBatch) -> tuple[torch.Tensor, torch.Tensor]:
        return actor(mb.obs), torch.zeros(())

    models = PPOModels(
        actor=actor,
        critic=critic,
        actor_opt=torch.optim.Adam(actor.parameters(), lr=1e-2),
        critic_opt=torch.optim.Adam(critic.parameters(), lr=1e-2),
        generator=torch.Generator().manual_seed(3),
        use_global=False,
    )
    return ppo_update(actor_fn, models, batch, settings)


def _todays_update(actor, critic, batch, settings) -> None:
    """The update before the magnet existed: ``pg_loss - entropy_coef * entropy``."""
    actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-2)
    critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(3)
    for _ in range(settings.epochs):
        for rows in torch.randperm(len(batch.action), generator=generator).chunk(
            settings.minibatches
        ):
            mb = PPOBatch(**{k: v[rows] for k, v in batch.__dict__.items() if v is not None})
            losses = policy_losses(actor(mb.obs), mb, settings)
            actor_loss = losses["pg_loss"] - 0.01 * losses["entropy"]
            _step(actor_opt, actor.parameters(), actor_loss)
            value_loss = 0.5 * (critic(mb.critic_in)[:, 0] - mb.returns).pow(2).mean()
            _step(critic_opt, critic.parameters(), 0.5 * value_loss)


def _step(opt: torch.optim.Optimizer, params, loss: torch.Tensor) -> None:
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()


def _weights(net: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def test_with_coefficient_0_the_update_equals_todays():
    torch.manual_seed(0)
    actor, critic, batch = _problem(1)
    todays = copy.deepcopy(actor), copy.deepcopy(critic)
    _todays_update(*todays, batch, SETTINGS)
    batch.magnet_logp = torch.log_softmax(torch.randn(16, 3), dim=1)  # a magnet, weight 0
    metrics = _update(actor, critic, batch, SETTINGS)
    ours = _weights(actor) + _weights(critic)
    theirs = _weights(todays[0]) + _weights(todays[1])
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert metrics["magnet_kl"] > 0  # measured, not applied


def test_the_magnet_term_pulls_the_policy_towards_the_magnet():
    torch.manual_seed(0)
    actor, critic, batch = _problem(2)
    batch.advantages = torch.zeros(16)  # no policy gradient: only the entropy and the magnet
    batch.magnet_logp = torch.log(torch.tensor([[0.8, 0.1, 0.1]]).expand(16, 3))
    before = policy_losses(actor(batch.obs), batch, SETTINGS)["magnet_kl"].item()
    settings = PPOSettings(**{**SETTINGS.__dict__, "entropy_coef": 0.0, "magnet_coef": 1.0})
    for _ in range(5):
        _update(actor, critic, batch, settings)
    after = policy_losses(actor(batch.obs), batch, SETTINGS)["magnet_kl"].item()
    assert after < before / 2


def test_a_non_finite_loss_stops_the_update_naming_it_before_any_step():
    actor, critic, batch = _problem(3)
    batch.advantages[5] = float("nan")
    weights = _weights(actor)
    settings = PPOSettings(**{**SETTINGS.__dict__, "normalize_advantages": False})
    with pytest.raises(NonFiniteError, match=r"pg_loss is nan \(not finite\)") as info:
        _update(actor, critic, batch, settings)
    assert info.value.name == "pg_loss"
    assert all(torch.equal(a, b) for a, b in zip(weights, _weights(actor), strict=True))


def _update_on(threads: int, minibatches: int, seed: int) -> tuple[list[torch.Tensor], float]:
    """The weights after an update of a 64-wide problem on ``threads`` torch threads."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        actor = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 3))
        critic = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1))
        _, _, batch = _problem(seed)
        settings = PPOSettings(**{**SETTINGS.__dict__, "minibatches": minibatches})
        metrics = _update(actor, critic, batch, settings)
        assert torch.get_num_threads() == threads  # given back after the side-by-side jobs
        return _weights(actor) + _weights(critic), metrics["value_loss"]
    finally:
        torch.set_num_threads(before)


def test_the_actor_and_critic_side_by_side_make_the_sequential_update_exactly(monkeypatch):
    # Two torch threads: the actor's and the critic's epochs run at once, one thread each.
    monkeypatch.undo()  # the real torch.set_num_threads (tests/conftest.py makes it a no-op)
    sequential, loss_1 = _update_on(1, 2, seed=4)
    side_by_side, loss_2 = _update_on(2, 2, seed=4)
    assert all(torch.equal(a, b) for a, b in zip(sequential, side_by_side, strict=True))
    assert loss_1 == loss_2


def test_one_minibatch_an_epoch_is_the_whole_batch_in_any_order():
    # With one minibatch the samples are not shuffled (the mean loss is the same), so the
    # update equals a shuffled one up to the order of the float sums.
    torch.manual_seed(5)
    actor, critic, batch = _problem(5)
    todays = copy.deepcopy(actor), copy.deepcopy(critic)
    settings = PPOSettings(**{**SETTINGS.__dict__, "minibatches": 1})
    _todays_update(*todays, batch, settings)
    _update(actor, critic, batch, settings)
    ours = _weights(actor) + _weights(critic)
    theirs = _weights(todays[0]) + _weights(todays[1])
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(ours, theirs, strict=True))


def test_explained_variance_is_that_of_the_values_the_advantages_came_from():
    _, _, batch = _problem(0)
    batch.returns = torch.tensor([1.0, 2.0, 3.0, 4.0])  # variance 1.25
    batch.advantages = torch.tensor([0.5, -0.5, 0.5, -0.5])  # returns - V: variance 0.25
    assert explained_variance(batch) == pytest.approx(1 - 0.25 / 1.25)
    batch.returns = torch.full((4,), 2.0)
    assert math.isnan(explained_variance(batch))  # nothing to explain
