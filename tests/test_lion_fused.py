"""Tests for the fused Lion step (kexue.lion.fused, claim C2.6b) against the reference per-parameter Lion, and
for the step benchmark's summary (bench/lion_step.py: the ratios C2.6 and C2.6b read, and the raw floor ratio
C2.6b's guard reads)."""

import importlib.util
from pathlib import Path

import pytest
import torch

from kexue.lion import fused
from kexue.lion.optimizer import _CPU_FOREACH_CHUNK, Lion

SHAPES = [(37, 11), (1000,), (3,), (64, 65), (1,)]


def random_params(dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=gen, dtype=dtype) for shape in SHAPES]


def run_steps(params, optimizer, steps, dtype, seed=1):
    """`steps` steps on random gradients (some exactly 0, where sign(c) = 0 on the first step), the same
    gradients for every optimizer under test."""
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        for p in params:
            g = torch.randn(p.shape, generator=gen, dtype=dtype)
            g[torch.rand(p.shape, generator=gen) < 0.1] = 0.0
            p.grad = g
        optimizer.step()


def fused_and_reference(dtype, steps=6, **hyper):
    reference, candidate = random_params(dtype), random_params(dtype)
    ref_opt = Lion(reference, foreach=False, **hyper)
    fused_opt = Lion(candidate, fused=True, **hyper)
    run_steps(reference, ref_opt, steps, dtype)
    run_steps(candidate, fused_opt, steps, dtype)
    moments = [
        (ref_opt.state[a]["exp_avg"], fused_opt.state[b]["exp_avg"]) for a, b in zip(reference, candidate, strict=True)
    ]
    return list(zip(reference, candidate, strict=True)), moments


@pytest.mark.parametrize("weight_decay", [0.0, 0.3])
def test_fused_step_is_lion_in_float64_to_rounding(weight_decay):
    """Several steps on random tensors, with and without decay: the fused pass equals the reference loop up to
    float64 rounding (the loop's m.add_(g, alpha) may use a fused multiply-add, the kernel does not)."""
    pairs, moments = fused_and_reference(torch.float64, lr=0.01, betas=(0.9, 0.99), weight_decay=weight_decay)
    for a, b in pairs + moments:
        torch.testing.assert_close(b, a, rtol=1e-14, atol=1e-16)
    # the step changed the parameters by whole sign steps (a wrong sign would differ by 2·lr)
    assert any((a - random_params(torch.float64)[i]).abs().max() > 1e-3 for i, (a, _) in enumerate(pairs))


def test_fused_step_uses_each_groups_hyperparameters():
    """Per-group lr, betas and λ reach the kernel: a group with lr = 0 and λ = 0 must not move."""
    dtype = torch.float64
    reference, candidate = random_params(dtype), random_params(dtype)
    frozen = candidate[0].clone()

    def groups(ps):
        return [{"params": ps[:1], "lr": 0.0, "weight_decay": 0.0}, {"params": ps[1:], "betas": (0.5, 0.7)}]

    ref_opt = Lion(groups(reference), lr=0.02, weight_decay=0.1, foreach=False)
    fused_opt = Lion(groups(candidate), lr=0.02, weight_decay=0.1, fused=True)
    run_steps(reference, ref_opt, 4, dtype)
    run_steps(candidate, fused_opt, 4, dtype)
    assert torch.equal(candidate[0], frozen)
    for a, b in zip(reference, candidate, strict=True):
        torch.testing.assert_close(b, a, rtol=1e-14, atol=1e-16)


def test_fused_step_in_float32_matches_the_loop():
    """float32: the parameters agree to rounding; a sign flip where c rounds across 0 would show as 2·lr."""
    pairs, moments = fused_and_reference(torch.float32, lr=0.01, betas=(0.9, 0.99), weight_decay=0.3)
    for a, b in pairs:
        torch.testing.assert_close(b, a, rtol=1e-6, atol=1e-6)
    for a, b in moments:
        torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-7)


def test_fused_step_by_hand():
    """The two hand-computed steps of test_lion.test_two_steps_by_hand, through the kernel."""
    p = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    opt = Lion([p], lr=0.1, betas=(0.9, 0.99), weight_decay=0.1, fused=True)
    p.grad = torch.tensor([0.5, -1.0, 0.0], dtype=torch.float64)
    opt.step()
    assert p.tolist() == pytest.approx([0.89, -1.88, 0.495], abs=1e-12)
    p.grad = torch.tensor([-0.2, 0.3, 0.4], dtype=torch.float64)
    opt.step()
    assert p.tolist() == pytest.approx([0.9811, -1.9612, 0.39005], abs=1e-12)
    assert opt.state[p]["exp_avg"].tolist() == pytest.approx([0.00295, -0.0069, 0.004], abs=1e-12)


def test_fused_step_rejects_what_the_kernel_cannot_read():
    with pytest.raises(ValueError, match="cannot both"):
        Lion([torch.zeros(2)], fused=True, foreach=True)
    p = torch.zeros(4, 4).t()  # not contiguous
    p.grad = torch.ones(4, 4)
    with pytest.raises(ValueError, match="contiguous"):
        Lion([p], fused=True).step()
    q = torch.zeros(3, dtype=torch.float16)
    q.grad = torch.ones(3, dtype=torch.float16)
    with pytest.raises(ValueError, match="float32 or float64"):
        Lion([q], fused=True).step()


def test_build_is_cached_and_a_missing_compiler_is_named(tmp_path, monkeypatch):
    library, seconds = fused.build_library(tmp_path)
    assert library.exists() and seconds > 0
    assert fused.build_library(tmp_path) == (library, 0.0)
    monkeypatch.setenv("CXX", "no-such-compiler")
    with pytest.raises(RuntimeError, match="no-such-compiler"):
        fused.build_library(tmp_path / "other")


def test_fused_lion_is_selectable_by_name():
    from kexue.lion import training

    params = [torch.nn.Parameter(torch.zeros(2))]
    opt = training.make_optimizer("lion_fused", [{"params": params, "weight_decay": 0.1}], 1e-3, (0.9, 0.99))
    assert isinstance(opt, Lion) and opt.param_groups[0]["fused"]


# --------------------------------------------------------------------------- the step benchmark's numbers


def load_bench():
    path = Path(__file__).resolve().parents[1] / "bench" / "lion_step.py"
    spec = importlib.util.spec_from_file_location("lion_step_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_adamw_foreach_runs_in_lions_chunks():
    bench = load_bench()
    params = [torch.zeros(n) for n in (600_000, 600_000, 10, 1_100_000, 5)]
    groups = bench.chunked_groups(params)
    assert [len(g["params"]) for g in groups] == [1, 2, 1, 1]  # 600k + 600k > 2^20; the 1.1M tensor alone
    assert all(sum(p.numel() for p in g["params"]) <= _CPU_FOREACH_CHUNK or len(g["params"]) == 1 for g in groups)
    assert [p for g in groups for p in g["params"]] == params


def test_summary_holds_like_for_like_ratios_and_the_floor_ratios():
    """Synthetic pairs: each ratio is its own pair's (same mode, same allocator), and the fused floor ratios the
    C2.6b guard reads are the rows' own (raw values, not booleans)."""
    bench = load_bench()
    times = {
        ("loop", "glibc"): (20.0, 60.0),
        ("foreach", "glibc"): (16.0, 30.0),
        ("fused", "glibc"): (6.0, 8.0),
        ("loop", "retain"): (15.0, 25.0),
        ("foreach", "retain"): (14.0, 28.0),
    }
    pairs = {}
    for key, (lion, adamw) in times.items():
        rows = {
            name: dict(step_ms=ms, floor_ratio=ms / 4, copy_gbs=50.0, state_mib=1.0)
            for name, ms in [("Lion", lion), ("AdamW", adamw)]
        }
        pairs[key] = {"rows": rows, "ratio": lion / adamw + 0.01}  # a paired median, not the ratio of medians
    pairs["loop", "glibc"]["rows"]["Lion"]["state_mib"] = 0.5
    args = bench.argparse.Namespace(
        threads=2, steps=10, warmup=1, vocab=16, context=4, d_model=8, n_layer=1, n_head=2, same_process=False
    )
    whole = {"Lion_ms": 99.0, "AdamW_ms": 100.0, "gaps": [-0.01, -0.02]}
    summary = bench.summarise(pairs, whole, args)
    assert summary["ratio_loop_glibc"] == pytest.approx(20 / 60 + 0.01)
    assert summary["ratio_loop_retain"] == pytest.approx(15 / 25 + 0.01)
    assert summary["ratio_foreach_glibc"] == pytest.approx(16 / 30 + 0.01)
    assert summary["ratio_foreach_retain"] == pytest.approx(0.51)
    assert summary["ratio_fused"] == pytest.approx(0.76)
    assert summary["ratio_fastest"] == pytest.approx(0.75)
    assert summary["fastest_lion"] == "fused glibc"
    assert summary["floor_ratio_lion_fused"] == pytest.approx(1.5)
    assert summary["floor_ratio_adamw_fused"] == pytest.approx(2.0)
    assert summary["whole_step_gaps_fused"] == [-0.01, -0.02]
    assert summary["state_bytes_ratio"] == pytest.approx(0.5)
    assert summary["rows"]["AdamW foreach retain"]["step_ms"] == 28.0


def test_floor_ratio_pairs_each_step_with_its_copy():
    """A Lion step lasting 5/2 of its own copy sits exactly at its floor (5 passes against a copy's 2), whatever
    the copy's time: each ratio uses its own step's copy, so a slow moment slows both and cancels."""
    bench = load_bench()
    copies = [2.0, 4.0, 2.0, 8.0]
    row = bench.row_numbers("Lion", [2.5 * c for c in copies], copies, parameters=1000)
    assert row["floor_ratio"] == pytest.approx(1.0)
    assert row["copy_ms"] == pytest.approx(1e3 * 3.0) and row["step_ms"] == pytest.approx(1e3 * 7.5)  # medians
    assert row["copy_gbs"] == pytest.approx(8000 / 3.0 / 1e9)  # 2 passes of 4 bytes per parameter, per second
    adamw = bench.row_numbers("AdamW", [3.5 * c for c in copies], copies, parameters=1000)
    assert adamw["floor_ratio"] == pytest.approx(1.0)  # 7 passes


def test_pairs_alternate_and_see_the_same_gradients(monkeypatch):
    """step_times alternates the two optimizers, swapping the order every iteration, and gives both models the
    same gradients; fake clocks make the order visible."""
    bench = load_bench()
    calls = []

    class Recorder:
        def __init__(self, name):
            self.name = name

        def step(self):
            calls.append(self.name)

    monkeypatch.setattr(bench, "timed", lambda fn: (fn(), 1.0)[1])
    models = {"Lion": torch.nn.Linear(3, 2), "AdamW": torch.nn.Linear(3, 2)}
    times = bench.step_times(models, {name: Recorder(name) for name in models}, steps=3, warmup=1)
    assert calls == ["Lion", "AdamW", "AdamW", "Lion", "Lion", "AdamW", "AdamW", "Lion"]
    assert len(times["Lion"]["step"]) == len(times["AdamW"]["copy"]) == 3
    for a, b in zip(models["Lion"].parameters(), models["AdamW"].parameters(), strict=True):
        assert torch.equal(a.grad, b.grad)
