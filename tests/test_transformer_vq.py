"""Transformer-VQ (kexue.fm 9844): the linear forms against an independent softmax, the brief's traps, and
the numbers the timing job writes for its rule."""

import logging
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from kexue import transformer_vq as vq


def naive_attention(Q, K, V, bias=None, causal=True):
    """Row by row with numpy and a stable softmax: the independent reference."""
    Q, K, V = (np.asarray(x, dtype=np.float64) for x in (Q, K, V))
    out = np.zeros((len(Q), V.shape[1]))
    for i in range(len(Q)):
        keys = range(i + 1) if causal else range(len(K))
        s = np.array([Q[i] @ K[j] + (0.0 if bias is None else bias(i - j)) for j in keys])
        p = np.exp(s - s.max())
        out[i] = (p / p.sum()) @ V[list(keys)]
    return out


@pytest.fixture(scope="module")
def problem():
    return vq.random_problem(n=96, d=8, c=6, seed=3)


def test_assign_is_the_nearest_codeword(problem):
    K, C = problem["K"].numpy(), problem["C"].numpy()
    brute = np.argmin(((K[:, None, :] - C[None]) ** 2).sum(-1), axis=1)
    assert np.array_equal(problem["index"].numpy(), brute)


def test_encoder_identity_against_naive_softmax(problem):
    Q, V, C, index = problem["Q"], problem["V"], problem["C"], problem["index"]
    reference = naive_attention(Q, C[index], V, causal=False)
    assert np.abs(vq.encoder_linear(Q, C, index, V).numpy() - reference).max() < 1e-12


@pytest.mark.parametrize("block", [8, 16, 32])
def test_causal_forms_against_naive_softmax(problem, block):
    Q, V, C, index = problem["Q"], problem["V"], problem["C"], problem["index"]
    reference = naive_attention(Q, C[index], V)
    assert np.abs(vq.causal_recurrence(Q, C, index, V).numpy() - reference).max() < 1e-12
    assert np.abs(vq.causal_blockwise(Q, C, index, V, block).numpy() - reference).max() < 1e-12


def test_window_bias_form_against_naive_softmax(problem):
    Q, V, C, index = problem["Q"], problem["V"], problem["C"], problem["index"]
    block = 16
    b = torch.linspace(2.0, -1.0, block + 1, dtype=torch.float64)  # b(0) … b(l)
    reference = naive_attention(Q, C[index], V, bias=lambda k: float(b[k]) if 0 <= k <= block else 0.0)
    assert np.abs(vq.causal_window(Q, C, index, V, block, b).numpy() - reference).max() < 1e-12


def test_quantisation_matters(problem):
    """The identities hold for K̂, not K: against attention over the raw keys they fail."""
    Q, K, V, C, index = (problem[k] for k in ("Q", "K", "V", "C", "index"))
    assert np.abs(vq.encoder_linear(Q, C, index, V).numpy() - naive_attention(Q, K, V, causal=False)).max() > 1e-3


def test_trap_window_wider_than_the_block_breaks_the_formula():
    assert vq.wrong_window(n=64, d=8, c=6, block=8, seed=0) > 1e-4
    with pytest.raises(ValueError, match="beyond the block length"):
        p = vq.random_problem(64, 8, 6, 0)
        vq.causal_window(p["Q"], p["C"], p["index"], p["V"], 8, torch.zeros(10, dtype=torch.float64))


def test_trap_denominator_needs_the_ones_column(problem):
    """Normalising by the codebook-path denominator without the local terms (a half-linearised form) is wrong."""
    Q, V, C, index = problem["Q"], problem["V"], problem["C"], problem["index"]
    good = vq.causal_blockwise(Q, C, index, V, 16)
    Vo = vq.with_ones(V)
    numerator = (torch.exp(Q @ C[index].T).tril() @ Vo)[:, :-1]
    wrong = numerator / torch.exp(Q @ C.T).sum(-1, keepdim=True)  # Σ_c exp(q·C_c) is not Σ_j exp(q·K̂_j)
    assert (good - wrong).abs().max() > 1e-3


def test_identities_summary_is_exact():
    row = vq.identities(n=128, d=16, c=8, block=16, seed=0)
    for form in ("encoder", "recurrence", "blockwise", "window"):
        assert row[form] < 1e-12, form


def test_stopgrad_is_the_exact_gradient_restricted_to_two_blocks():
    row = vq.stopgrad_gradients(n=64, d=8, c=6, block=8, seed=1)
    assert row["forward_difference"] < 1e-12
    assert row["stopgrad_vs_restricted"] < 1e-12
    assert row["restricted_plus_neglected_vs_full"] < 1e-12
    # the approximation is an approximation: far queries do carry gradient, so the full gradient differs
    assert row["stopgrad_vs_full"] > 1e-3 and 0 < row["neglected_relative_norm"] < 1


def test_chunked_quadratic_baseline_is_causal_attention():
    p = vq.random_problem(100, 8, 4, 0)
    reference = naive_attention(p["Q"], p["K"], p["V"])
    assert np.abs(vq.quadratic_causal_chunked(p["Q"], p["K"], p["V"], chunk=32).numpy() - reference).max() < 1e-12


def test_loglog_slope():
    ns = [1, 2, 4, 8]
    assert math.isclose(vq.loglog_slope(ns, [3 * n**2 for n in ns]), 2.0)
    assert math.isclose(vq.loglog_slope(ns, [5 * n for n in ns]), 1.0)


def test_timings_write_what_the_rule_reads():
    rows = vq.timings([64, 128], d=8, c=8, block=16, chunk=32, repeats=2, seed=0, log=logging.getLogger("test"))
    assert [r["n"] for r in rows] == [64, 128]
    for form in ("quadratic", "vq", "vq_without_assignment"):
        assert all(r[f"{form}_s"] >= r[f"{form}_min_s"] > 0 for r in rows)
        assert all(len(r[f"{form}_repeats_s"]) == 2 and min(r[f"{form}_repeats_s"]) == r[f"{form}_min_s"] for r in rows)
        assert len(vq.slopes_per_repeat(rows, form)) == 2


def test_slopes_per_repeat_fit_each_repeat_alone():
    # repeat 0 grows as n, repeat 1 as n²: one slope each, not the slope of their medians
    ns = [1024, 2048, 4096]
    rows = [{"n": n, "vq_repeats_s": [1e-6 * n, 1e-9 * n**2]} for n in ns]
    assert np.allclose(vq.slopes_per_repeat(rows, "vq"), [1.0, 2.0])


def test_timing_thresholds_match_the_rule():
    """The job's thresholds (for the per-repeat margins the guard reads) are the claim's own numbers."""
    config = yaml.safe_load(Path("config/articles/transformer_vq/config.yaml").read_text())
    claims = yaml.safe_load(Path("config/articles/transformer_vq/claims.yaml").read_text())["claims"]
    rule = next(c for c in claims if c["id"] == "transformer_vq.linear_time")["rule"]
    bounds = {part["key"].removeprefix("slope."): part.get("at_most", part.get("at_least")) for part in rule["all_of"]}
    assert bounds == config["timing"]["thresholds"]
    guarded = {g["seed_spread"]["key"].removeprefix("margin_per_repeat.") for g in rule["guards"]}
    assert guarded == set(bounds)
