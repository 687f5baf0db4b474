"""Length extrapolation and local attention (kexue.fm 9431): the RoPE and window options of kexue.lm, the
brief's traps (the window counts the query itself; only positions beyond N are averaged), and the identities."""

import numpy as np
import pytest
import torch

from kexue import length_extrapolation as le
from kexue import lm


def rope_model(context=8, seed=0, **kwargs):
    torch.manual_seed(seed)
    return lm.TinyLM(20, context, d_model=16, n_layer=2, n_head=2, position="rope", **kwargs)


def test_window_counts_the_query_itself():
    mask = le.lm.window_mask(10, 4)
    for i in range(10):
        assert mask[i].nonzero().flatten().tolist() == list(range(max(0, i - 3), i + 1))
    assert torch.equal(lm.window_mask(6, None), torch.ones(6, 6, dtype=torch.bool).tril())


def test_rope_scores_depend_on_relative_position_only():
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(1, 8, generator=g), torch.randn(1, 8, generator=g)
    cos, sin = lm.rope_tables(40, 8)

    def score(m, n):
        return float(lm.apply_rope(q, cos[m], sin[m]) @ lm.apply_rope(k, cos[n], sin[n]).T)

    assert score(5, 2) == pytest.approx(score(30, 27), abs=1e-5)
    assert score(5, 2) != pytest.approx(score(5, 3), abs=1e-3)


def test_rope_model_runs_beyond_its_training_length_and_learned_does_not():
    x = torch.randint(0, 20, (2, 24))
    logits, _ = rope_model()(x)
    assert logits.shape == (2, 24, 20)
    torch.manual_seed(0)
    with pytest.raises(ValueError, match="exceeds the model context"):
        lm.TinyLM(20, 8, d_model=16, n_layer=1, n_head=2)(x)


def test_window_at_least_the_length_is_full_attention_and_maps_match_the_fast_path():
    model = rope_model().eval()
    x = torch.randint(0, 20, (2, 12))
    with torch.no_grad():
        full, _ = model(x)
        windowed, _ = model(x, window=12)
        maps: list = []
        explicit, _ = model(x, maps=maps)
        narrow, _ = model(x, window=4)
    assert torch.allclose(full, windowed, atol=1e-5) and torch.allclose(full, explicit, atol=1e-5)
    assert len(maps) == 2 and torch.allclose(maps[0].sum(-1), torch.ones(2, 2, 12))
    assert not torch.allclose(full[:, 4:], narrow[:, 4:], atol=1e-4)  # beyond the window it differs …
    assert torch.allclose(full[:, :4], narrow[:, :4], atol=1e-5)  # … and not before


def test_window_maps_are_zero_outside_the_window():
    maps: list = []
    with torch.no_grad():
        rope_model().eval()(torch.randint(0, 20, (1, 10)), window=3, maps=maps)
    assert torch.all(maps[0][..., ~lm.window_mask(10, 3)] == 0)


def test_entropy_per_query_of_uniform_rows():
    w = lm.window_mask(6, None).float()
    w = w / w.sum(-1, keepdim=True)
    assert torch.allclose(le.entropy_per_query(w), torch.log(torch.arange(1, 7, dtype=torch.float)))


def test_evaluation_splits_at_N():
    s = {"eval_tokens": 200, "eval_batch": 4}
    ids = torch.randint(0, 20, (400,))
    model = rope_model()
    at_n = le.evaluate_length(model, ids, 8, 8, None, s)
    assert at_n["accuracy_beyond"] == pytest.approx(at_n["accuracy_within"])  # L = N: every position
    longer = le.evaluate_length(model, ids, 32, 8, 8, s)
    acc = np.array(longer["accuracy_by_position"])
    assert longer["accuracy_beyond"] == pytest.approx(acc[8:].mean()) and len(acc) == 32


def test_char_corpus(tmp_path):
    for split in ("train", "valid", "test"):
        (tmp_path / f"ptb.{split}.txt").write_text(" ab a\n ba b\n")
    data = le.char_corpus(tmp_path)
    assert set(data["vocab"]) == {"a", "b", " ", "<eos>"} and len(data["test"]) == 2 * 4 + 2


def test_training_uses_the_shared_lm_loop_and_writes_the_curve_the_guard_reads(tmp_path):
    """kexue.lm's loop with the RoPE task: one validation loss (nats) per ⌈steps / eval_every⌉ evenly spaced
    steps, none at step 0; the same seed gives the same curve."""
    text = "the quick brown fox jumps over the lazy dog\n" * 20
    for split in ("train", "valid", "test"):
        (tmp_path / f"ptb.{split}.txt").write_text(text)
    data = le.char_corpus(tmp_path)
    s = dict(d_model=16, n_layer=1, n_head=2, rope_base=10000.0, train_length=8, batch=4, lr=1e-2)
    s |= dict(weight_decay=0.0, steps=7, eval_every=3, valid_tokens=100)
    model, curve = le.train(data, s, seed=0)
    assert curve["step"] == [2, 5, 7] and len(curve["val_loss"]) == 3
    assert model.position == "rope" and curve["val_loss"][-1] < np.log(len(data["vocab"]))
    assert le.train(data, s, seed=0)[1] == curve


def test_identities_hold_and_the_kernel_is_the_dot_product():
    r = le.identities(d=16, trials=20, max_position=500, xi=0.98, moving_window=8, kernel_range=64, seed=0)
    assert max(r["sandwich_max_error"], r["kernel_max_error"], r["xpos_max_error"]) < 1e-10
    p = le.sinusoidal(np.array([7, 3]), 16)
    assert p[0] @ p[1] == pytest.approx(r["kernel"][4], abs=1e-12) and r["kernel"][0] == pytest.approx(8.0)


def test_xpos_without_the_decay_is_rope():
    """ξ = 1 reduces XPOS to RoPE: (R_m q)·(R_n k) = q·R_{n−m} k."""
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=8), rng.normal(size=8)
    assert (le.rotation(9, 8) @ q) @ (le.rotation(4, 8) @ k) == pytest.approx(q @ le.rotation(-5, 8) @ k, abs=1e-12)


def fake_run(seed, accuracy, entropy, curve):
    """A run's metrics with accuracy(mask, factor) and entropy(mask, factor) given as functions."""
    rows = [
        {"mask": m, "factor": f, "accuracy_beyond": accuracy(m, f), "loss_beyond": 1.0, "entropy_beyond": entropy(m, f)}
        for m in ("full", "window")
        for f in (1, 2, 4, 8)
    ]
    return {"seed": seed, "rows": rows, "curve": {"val_loss": curve}}


def test_summary_writes_the_rules_and_guards_values():
    runs = [
        fake_run(
            s,
            lambda m, f, s=s: 0.5 + 0.01 * s if f == 1 or m == "window" else 0.5 - 0.05 * f,
            lambda m, f: 2.0 + (0.3 * f if m == "full" else 0.0),
            [2.0, 1.8, 1.7 - 0.01 * s],
        )
        for s in (0, 1, 2)
    ]
    summary = le.summarise(runs, [1, 2, 4, 8])
    assert summary["drop_4N_per_seed"] == pytest.approx([0.2 + 0.01 * s for s in (0, 1, 2)])
    assert summary["drop_4N"] == pytest.approx(0.21)
    assert summary["window_gap_4N"] == pytest.approx(0.0) and summary["window_vs_2N_8N"] == pytest.approx(0.0)
    assert summary["window_over_full_4N"] > 0
    assert summary["entropy_full_strictly_increasing"] and summary["entropy_window_max_relative_change"] == 0.0
    assert summary["entropy_window_vs_2N_max_relative_change"] == 0.0
    assert summary["curves"][2] == [2.0, 1.8, 1.7 - 0.02]  # the per-seed curves, for the still-improving guard
    assert summary["curve"] == pytest.approx([2.0, 1.8, 1.69])
