"""Tests for kexue.lion.optimizer: hand-computed Lion steps, the two code paths, SIGNUM as a special case (C2.2),
state size (C2.1), Adam's first step (C2.3) and hyperparameter checks."""

import pytest
import torch
from torch import nn

from kexue.lion import optimizer as lion_module
from kexue.lion.optimizer import Lion, Signum, adam_first_step_error, state_bytes, state_numel


def mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def regression_batches(steps, seed=1):
    """Deterministic (x, y) batches, regenerated identically for every optimizer under test."""
    gen = torch.Generator().manual_seed(seed)
    return [(torch.randn(8, 6, generator=gen), torch.randn(8, 3, generator=gen)) for _ in range(steps)]


def train(model, optimizer, batches):
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def step_with(optimizer, param, grad):
    param.grad = torch.tensor(grad, dtype=param.dtype)
    optimizer.step()


# --------------------------------------------------------------------------- the update rule


@pytest.mark.parametrize("foreach", [False, True])
def test_two_steps_by_hand(foreach):
    p = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    opt = Lion([p], lr=0.1, betas=(0.9, 0.99), weight_decay=0.1, foreach=foreach)
    # step 1, m = 0: decay ×(1 − 0.01) → [0.99, −1.98, 0.495]; c = 0.1·g = [0.05, −0.1, 0] → sign [1, −1, 0]
    step_with(opt, p, [0.5, -1.0, 0.0])
    assert p.detach().tolist() == pytest.approx([0.89, -1.88, 0.495], abs=1e-12)
    assert opt.state[p]["exp_avg"].tolist() == pytest.approx([0.005, -0.01, 0.0], abs=1e-12)  # 0.01·g
    # step 2: decay → [0.8811, −1.8612, 0.49005]; c = 0.9·m + 0.1·g = [−0.0155, 0.021, 0.04] → [−1, 1, 1].
    # The first coordinate catches the SIGNUM ordering and swapped betas: 0.99·m + 0.01·g = +0.00295 there.
    step_with(opt, p, [-0.2, 0.3, 0.4])
    assert p.detach().tolist() == pytest.approx([0.9811, -1.9612, 0.39005], abs=1e-12)
    assert opt.state[p]["exp_avg"].tolist() == pytest.approx([0.00295, -0.0069, 0.004], abs=1e-12)


def test_signum_two_steps_by_hand():
    """SIGNUM against a hand computation, not against Lion: both use the same momentum helper, so the C2.2
    trajectory check alone could not catch a bug in it. m ← β·m + (1 − β)·g, then p ← p − lr·sign(m)."""
    p = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
    opt = Signum([p], lr=0.1, beta=0.9)
    # step 1: m = 0.1·g = [0.05, −0.1, 0] → sign [1, −1, 0]
    step_with(opt, p, [0.5, -1.0, 0.0])
    assert p.detach().tolist() == pytest.approx([0.9, -1.9, 0.5], abs=1e-12)
    assert opt.state[p]["exp_avg"].tolist() == pytest.approx([0.05, -0.1, 0.0], abs=1e-12)
    # step 2: m = 0.9·m + 0.1·g = [−0.015, −0.06, 0.04] → sign [−1, −1, 1]. The second coordinate catches
    # sign(g) for sign(m) and the swapped weights 0.1·m + 0.9·g (+0.26); the third, the sign of the old m (0).
    step_with(opt, p, [-0.6, 0.3, 0.4])
    assert p.detach().tolist() == pytest.approx([1.0, -1.8, 0.4], abs=1e-12)
    assert opt.state[p]["exp_avg"].tolist() == pytest.approx([-0.015, -0.06, 0.04], abs=1e-12)


@pytest.mark.parametrize("foreach", [False, True])
def test_zero_gradient_leaves_only_decay_at_the_current_lr(foreach):
    p = torch.tensor([2.0, -4.0], dtype=torch.float64, requires_grad=True)
    opt = Lion([p], lr=0.1, weight_decay=0.5, foreach=foreach)
    step_with(opt, p, [0.0, 0.0])  # sign(0) = 0, so only p·(1 − lr·λ) acts
    assert p.detach().tolist() == pytest.approx([2.0 * 0.95, -4.0 * 0.95], abs=1e-12)
    opt.param_groups[0]["lr"] = 0.02  # a schedule: decay follows the current lr, not the initial one (T1)
    step_with(opt, p, [0.0, 0.0])
    assert p.detach().tolist() == pytest.approx([1.9 * 0.99, -3.8 * 0.99], abs=1e-12)


def test_decay_acts_on_the_old_parameter_before_the_sign_step():
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    step_with(Lion([p], lr=0.1, weight_decay=1.0), p, [1.0])
    assert p.item() == pytest.approx(1.0 * 0.9 - 0.1)  # not (1 − 0.1)·0.9 = 0.81


def test_chunks_bound_the_elements_per_foreach_call():
    tensors = [torch.zeros(n) for n in (3, 4, 9, 1, 1, 2)]
    parts = list(lion_module._chunks(tensors, 7))
    assert [(s.start, s.stop) for s in parts] == [(0, 2), (2, 3), (3, 6)]  # a 9 > 7 tensor stands alone
    assert list(lion_module._chunks(tensors, float("inf"))) == [slice(0, 6)]


@pytest.mark.parametrize("chunk", [1 << 20, 40])  # one foreach call, or several
def test_foreach_and_loop_paths_are_identical(chunk, monkeypatch):
    monkeypatch.setattr(lion_module, "_CPU_FOREACH_CHUNK", chunk)
    torch.manual_seed(0)
    shapes = [(7, 5), (5,), (3, 4, 2), ()]
    start = [torch.randn(s) for s in shapes]
    runs = {}
    for foreach in (False, True):
        params = [t.clone().requires_grad_(True) for t in start] + [torch.zeros(3, requires_grad=True)]
        opt = Lion(params, lr=1e-2, betas=(0.95, 0.98), weight_decay=0.3, foreach=foreach)
        gen = torch.Generator().manual_seed(1)
        for _ in range(10):
            for p in params[:-1]:  # the last parameter never gets a gradient
                p.grad = torch.randn(p.shape, generator=gen)
            opt.step()
        assert params[-1] not in opt.state
        runs[foreach] = (params, [opt.state[p]["exp_avg"] for p in params[:-1]])
    for a, b in zip(runs[False][0] + runs[False][1], runs[True][0] + runs[True][1], strict=True):
        assert torch.equal(a, b)


def test_closure_is_evaluated_with_gradients():
    model = mlp()
    x, y = regression_batches(1)[0]
    opt = Lion(model.parameters(), lr=1e-3)

    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    assert torch.is_tensor(opt.step(closure))
    assert state_numel(opt) > 0


# --------------------------------------------------------------------------- C2.2 SIGNUM


def test_lion_with_equal_betas_is_signum_bit_for_bit():
    batches = regression_batches(100)
    signum = train(model := mlp(), Signum(model.parameters(), lr=3e-3, beta=0.9), batches)
    for foreach in (False, True):
        lion = train(model := mlp(), Lion(model.parameters(), lr=3e-3, betas=(0.9, 0.9), foreach=foreach), batches)
        assert (lion - signum).abs().max().item() == 0.0  # the claim's rule is ≤ 1e-6
    default = train(model := mlp(), Lion(model.parameters(), lr=3e-3, betas=(0.9, 0.99)), batches)
    assert (default - signum).abs().max().item() > 1e-3  # the comparison is not vacuous


# --------------------------------------------------------------------------- C2.1 memory


def one_step(model, optimizer):
    x, y = regression_batches(1)[0]
    train(model, optimizer, [(x, y)])
    return optimizer


def test_lion_keeps_one_state_tensor_and_adamw_two():
    model = mlp()
    n = sum(p.numel() for p in model.parameters())
    lion = one_step(model, Lion(model.parameters()))
    assert state_numel(lion, model.parameters()) == n
    assert state_bytes(lion) == 4 * n  # float32 momentum only
    adamw = one_step(model, torch.optim.AdamW(model.parameters()))
    assert state_numel(adamw, model.parameters()) == 2 * n
    assert state_bytes(adamw) > 8 * n  # m, v and the step counters
    amsgrad = one_step(model, torch.optim.AdamW(model.parameters(), amsgrad=True))
    assert state_numel(amsgrad) == 3 * n


def test_state_numel_skips_the_step_of_a_one_element_parameter():
    p = torch.zeros(1, requires_grad=True)
    adamw = torch.optim.AdamW([p])
    step_with(adamw, p, [1.0])
    assert state_numel(adamw) == 2


# --------------------------------------------------------------------------- C2.3 Adam's first step


def test_adam_first_step_is_sign_of_the_gradient():
    model = mlp()
    x, y = regression_batches(1)[0]
    nn.functional.mse_loss(model(x), y).backward()
    model[0].bias.grad[:4] = 0.0  # g = 0 gives 0/0 with ε = 0; those coordinates are excluded
    before = [p.detach().clone() for p in model.parameters()]
    assert adam_first_step_error(model, lr=1e-3) <= 1e-6
    assert adam_first_step_error(list(model.parameters()), lr=0.5, betas=(0.5, 0.5)) <= 1e-6
    assert adam_first_step_error(model, lr=1.0, dtype=None) <= 1e-6  # float32 is fine once lr ≫ ulp(θ)
    assert all(torch.equal(a, p) for a, p in zip(before, model.parameters(), strict=True))  # runs on copies


def test_adam_first_step_needs_a_gradient():
    with pytest.raises(ValueError):
        adam_first_step_error(mlp(), lr=1e-3)


# --------------------------------------------------------------------------- hyperparameters


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=-1e-3),
        dict(lr=float("nan")),
        dict(lr=float("inf")),
        dict(betas=(1.1, 0.99)),
        dict(betas=(0.9, -0.1)),
        dict(betas=(0.9,)),
        dict(weight_decay=-0.1),
        dict(weight_decay=float("nan")),
    ],
)
def test_lion_rejects_bad_hyperparameters(kwargs):
    with pytest.raises(ValueError):
        Lion(mlp().parameters(), **kwargs)


def test_bad_hyperparameters_in_a_param_group_are_rejected():
    model = mlp()
    with pytest.raises(ValueError, match="lr"):
        Lion([{"params": model[0].parameters(), "lr": -1.0}, {"params": model[2].parameters()}])
    opt = Lion(model[0].parameters())
    with pytest.raises(ValueError, match="beta2"):
        opt.add_param_group({"params": model[2].parameters(), "betas": (0.9, 2.0)})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("kwargs", [dict(lr=-1.0), dict(beta=1.5), dict(beta=-0.5)])
def test_signum_rejects_bad_hyperparameters(kwargs):
    with pytest.raises(ValueError):
        Signum(mlp().parameters(), **kwargs)


# --------------------------------------------------------------------------- trajectories used by the pipeline


def test_trajectory_gap_is_zero_for_signum_and_not_for_default_lion():
    batches = regression_batches(30)
    loss = lambda model, batch: nn.functional.mse_loss(model(batch[0]), batch[1])  # noqa: E731
    a, b = mlp(), mlp()
    pairs = [(a, Lion(a.parameters(), lr=3e-3, betas=(0.9, 0.9))), (b, Signum(b.parameters(), lr=3e-3, beta=0.9))]
    assert lion_module.trajectory_gaps(pairs, batches, loss) == [0.0] * 30
    a, b = mlp(), mlp()
    pairs = [(a, Lion(a.parameters(), lr=3e-3, betas=(0.9, 0.99))), (b, Signum(b.parameters(), lr=3e-3, beta=0.9))]
    gaps = lion_module.trajectory_gaps(pairs, batches, loss)
    assert len(gaps) == 30 and gaps[0] == 0.0 and max(gaps) > 1e-3  # step 1 agrees: both start from m = 0


def test_adam_update_sizes_against_adam_by_hand():
    """One parameter vector θ, loss ½‖θ − c_t‖²: g_t = θ − c_t; Adam's u_t = m̂/(√v̂ + ε) written out."""
    gen = torch.Generator().manual_seed(0)
    theta0 = torch.randn(5, generator=gen, dtype=torch.float64)
    targets = [torch.randn(5, generator=gen, dtype=torch.float64) for _ in range(4)]
    model = nn.Linear(5, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(theta0)
    loss = lambda model, c: 0.5 * ((model.weight[0] - c) ** 2).sum()  # noqa: E731
    lr, (b1, b2) = 1e-2, (0.9, 0.999)
    sizes = lion_module.adam_update_sizes(model, targets, loss, lr=lr, betas=(b1, b2))
    theta, m, v, expected = theta0.clone(), torch.zeros(5, dtype=torch.float64), torch.zeros(5, dtype=torch.float64), []
    for t, c in enumerate(targets, start=1):
        g = theta - c
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        u = (m / (1 - b1**t)) / ((v / (1 - b2**t)).sqrt() + 1e-30)
        theta = theta - lr * u
        expected.append(u.abs().mean().item())
    assert sizes[0] == pytest.approx(1.0, abs=1e-12)  # |sign(g₁)| = 1
    assert sizes == pytest.approx(expected, rel=1e-9)
