"""Tests for kexue.whitening: the exact identities of BERT-whitening with β, γ (C1.1, C1.1b), the
centre of Σ (T4), N not N − 1 (T3), eigen order (T5), the singular-Σ guard (T6), truncation, and
the grid shortcut against the plain per-cell computation."""

import numpy as np
import pytest
from scipy import stats

from kexue import whitening
from kexue.whitening import (
    Whitening,
    apply_whitening,
    cosine_scores,
    decompose,
    fit_whitening,
    grid_cosines,
    scale_factors,
    spearman_x100,
    whitening_grid,
)


def vectors(n=300, d=12, seed=0):
    """Correlated, anisotropic vectors with a mean far from 0, like pooled BERT outputs."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) * np.geomspace(3.0, 0.1, d)[:, None]
    return rng.normal(size=(n, d)) @ mixing + rng.normal(2.0, 1.0, size=d)


def all_pair_cosines(x):
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    return unit @ unit.T


# --------------------------------------------------------------------------- exact identities


def test_beta_gamma_zero_at_full_k_leaves_every_cosine_unchanged():
    x = vectors()
    w = fit_whitening(x, beta=0.0, gamma=0.0)
    assert np.allclose(w.U.T @ w.U, np.eye(x.shape[1]), atol=1e-12)  # a rotation
    xt = apply_whitening(w, x)
    assert np.abs(all_pair_cosines(xt) - all_pair_cosines(x)).max() < 1e-9  # C1.1, over all pairs
    gold = np.random.default_rng(1).normal(size=150)
    before = spearman_x100(cosine_scores(x[:150], x[150:]), gold)
    after = spearman_x100(cosine_scores(xt[:150], xt[150:]), gold)
    assert abs(after - before) < 1e-6


@pytest.mark.parametrize("beta, gamma", [(1.0, 0.0), (0.0, 1.0), (0.5, 0.5)])
def test_other_settings_do_change_cosines(beta, gamma):
    x = vectors()
    xt = apply_whitening(fit_whitening(x, beta, gamma), x)
    assert np.abs(all_pair_cosines(xt) - all_pair_cosines(x)).max() > 1e-3


def test_beta_gamma_one_gives_identity_covariance_with_the_same_1_over_n():
    x = vectors()
    xt = apply_whitening(fit_whitening(x, 1.0, 1.0), x)
    assert np.abs(xt.mean(axis=0)).max() < 1e-10
    cov = xt.T @ xt / len(xt)  # 1/N, as in the fit (T3)
    assert np.abs(cov - np.eye(x.shape[1])).max() < 1e-6  # C1.1b
    # np.cov divides by N − 1: off by N/(N − 1), far above the tolerance
    assert np.abs(np.cov(xt.T) - np.eye(x.shape[1])).max() > 1e-3


@pytest.mark.parametrize("beta", [0.0, 0.25, 0.5, 1.0])
def test_gamma_one_whitens_the_second_moment_about_beta_mu(beta):
    x = vectors(seed=2)
    xt = apply_whitening(fit_whitening(x, beta, 1.0), x)
    assert np.abs(xt.T @ xt / len(xt) - np.eye(x.shape[1])).max() < 1e-6


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
def test_sigma_is_the_second_moment_about_beta_mu(beta):
    x = vectors(seed=3)
    centred = x - beta * x.mean(axis=0)
    sigma = centred.T @ centred / len(x)  # independent: (1/N) Σ (x − βμ)ᵀ(x − βμ)
    w = fit_whitening(x, beta, 1.0)
    assert w.lam == pytest.approx(np.linalg.eigvalsh(sigma)[::-1], rel=1e-9, abs=1e-12)
    assert np.allclose(w.U @ np.diag(w.lam) @ w.U.T, sigma, atol=1e-10)
    assert np.allclose(w.mu, x.mean(axis=0))


def test_np_cov_is_wrong_away_from_beta_one():
    x = vectors(seed=3)
    lam0 = fit_whitening(x, 0.0, 1.0).lam
    cov_lam = np.linalg.eigvalsh(np.cov(x.T, bias=True))[::-1]
    mu2 = float(x.mean(axis=0) @ x.mean(axis=0))
    assert lam0.sum() == pytest.approx(cov_lam.sum() + mu2, rel=1e-12)  # E[xᵀx] = C + μᵀμ (T4)
    assert mu2 > 1.0  # … and μᵀμ is far above rounding here, so np.cov would be visibly wrong
    assert fit_whitening(x, 1.0, 1.0).lam == pytest.approx(cov_lam, rel=1e-9)


def test_eigenvalues_are_sorted_descending():
    w = fit_whitening(vectors(seed=4), 0.5, 1.0)
    assert np.all(np.diff(w.lam) <= 0)  # T5: eigh would give them ascending


def test_statistics_are_float64_whatever_the_input():
    x = vectors().astype(np.float32)
    w = fit_whitening(x, 1.0, 1.0)
    assert w.U.dtype == w.lam.dtype == w.mu.dtype == np.float64
    assert apply_whitening(w, x).dtype == np.float64


# --------------------------------------------------------------------------- truncation and γ


@pytest.mark.parametrize("beta, gamma", [(0.0, 0.0), (1.0, 1.0), (0.5, 0.25)])
@pytest.mark.parametrize("k", [1, 4, 11])
def test_truncation_to_k_equals_the_first_k_columns(beta, gamma, k):
    x = vectors(seed=5)
    w = fit_whitening(x, beta, gamma)
    full = apply_whitening(w, x)
    assert np.allclose(apply_whitening(w, x, k), full[:, :k], rtol=1e-12, atol=1e-12)
    assert apply_whitening(w, x, k).shape == (len(x), k)


def test_gamma_only_rescales_the_rotated_columns():
    x = vectors(seed=6)
    rotated = apply_whitening(fit_whitening(x, 0.5, 0.0), x)
    w = fit_whitening(x, 0.5, 0.75)
    assert np.allclose(apply_whitening(w, x), rotated * w.lam**-0.375, rtol=1e-12)


def test_k_outside_one_to_d_is_rejected():
    w = fit_whitening(vectors(), 1.0, 1.0)
    for k in (0, 13):
        with pytest.raises(ValueError, match="k must lie"):
            apply_whitening(w, vectors(), k)


def test_input_must_be_a_matrix():
    with pytest.raises(ValueError):
        fit_whitening(np.zeros(5), 1.0, 1.0)
    with pytest.raises(ValueError):
        fit_whitening(np.zeros((0, 3)), 1.0, 1.0)


# --------------------------------------------------------------------------- singular Σ (T6)


def layernorm_like(n=200, d=8, seed=7):
    """Rows that sum to zero, as LayerNorm outputs (without affine) do: centred, Σ has a null vector."""
    x = vectors(n, d, seed)
    return x - x.mean(axis=1, keepdims=True)


def test_rank_deficient_sigma_gives_a_tiny_non_negative_eigenvalue():
    w = fit_whitening(layernorm_like(), 1.0, 1.0)
    assert w.lam.min() >= 0  # SVD, unlike eigh, never returns −1e-17 (no NaN from a negative root)
    assert w.condition() < 1e-12
    assert abs(w.U[:, -1] @ np.ones(8)) == pytest.approx(np.sqrt(8))  # the null vector is (1, …, 1)


def test_eigenvalue_floor_keeps_full_k_bounded_and_reduced_k_unchanged():
    x = layernorm_like()
    plain, floored = fit_whitening(x, 1.0, 1.0), fit_whitening(x, 1.0, 1.0, eig_floor=1e-8)
    bounded = apply_whitening(floored, x)
    assert np.isfinite(bounded).all()
    assert np.abs(bounded[:, -1]).max() < 1e-3  # the null direction is no longer blown up
    assert np.array_equal(apply_whitening(floored, x, 7), apply_whitening(plain, x, 7))  # "reduced k is unaffected"


def test_an_exactly_zero_eigenvalue_raises_with_gamma_and_not_without():
    lam = np.array([4.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="eig_floor"):
        scale_factors(lam, 1.0)
    assert scale_factors(lam, 0.0).tolist() == [1.0, 1.0, 1.0]
    assert scale_factors(lam, 1.0, eig_floor=0.01).tolist() == pytest.approx([0.5, 1.0, 5.0])
    w = Whitening(mu=np.zeros(3), U=np.eye(3), lam=lam, beta=1.0, gamma=1.0)
    x = np.arange(6.0).reshape(2, 3)
    assert np.allclose(apply_whitening(w, x, 2), x[:, :2] * [0.5, 1.0])
    with pytest.raises(ValueError, match="zero eigenvalue"):
        apply_whitening(w, x)


def test_decompose_matches_the_reference_svd_order():
    sigma = np.cov(vectors(seed=8).T, bias=True)
    U, lam = decompose(sigma)
    assert np.allclose(lam, np.linalg.svd(sigma, compute_uv=False))


# --------------------------------------------------------------------------- scores


def test_cosine_scores_row_wise_and_zero_vectors():
    a = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    b = np.array([[0.0, 2.0], [2.0, 2.0], [1.0, 0.0]])
    assert cosine_scores(a, b).tolist() == pytest.approx([0.0, 1.0, 0.0])
    with pytest.raises(ValueError):
        cosine_scores(a, b[:2])


def test_spearman_uses_average_ranks_for_ties():
    pred, gold = np.array([0.1, 0.4, 0.2, 0.9, 0.5]), np.array([0, 1, 0, 1, 1])
    ranks = stats.rankdata(gold)  # average ranks: [1.5, 4, 1.5, 4, 4]
    expected = 100 * np.corrcoef(stats.rankdata(pred), ranks)[0, 1]
    assert spearman_x100(pred, gold) == pytest.approx(expected)
    # by hand: pred ranks [1, 3, 2, 5, 4]; centred products sum to 7.5, variances 10 and 7.5
    assert spearman_x100(pred, gold) == pytest.approx(100 * np.sqrt(0.75), rel=1e-12)
    assert spearman_x100(np.arange(5.0), -np.arange(5.0)) == pytest.approx(-100.0)


# --------------------------------------------------------------------------- grid shortcut


BETAS, GAMMAS, KS = (0.0, 0.5, 1.0), (0.0, 0.25, 1.0), (2, 6, None)


def grid_data(seed=9):
    fit = vectors(400, 12, seed)
    rng = np.random.default_rng(seed + 1)
    a, b = fit[:120] + rng.normal(0, 0.5, (120, 12)), fit[200:320]
    gold = cosine_scores(a - fit.mean(0), b - fit.mean(0)) + rng.normal(0, 0.2, 120)
    return fit, a, b, gold


def test_grid_cosines_equal_the_per_cell_transform():
    fit, a, b, _ = grid_data()
    cells = list(grid_cosines(fit, a, b, BETAS, GAMMAS, KS))
    assert [(c[0], c[1], c[2]) for c in cells] == [(be, g, k or 12) for be in BETAS for g in GAMMAS for k in KS]
    for beta, gamma, k, cos in cells:
        w = fit_whitening(fit, beta, gamma)
        direct = cosine_scores(apply_whitening(w, a, k), apply_whitening(w, b, k))
        assert np.abs(cos - direct).max() < 1e-10, (beta, gamma, k)


def test_grid_in_blocks_of_pairs_gives_the_same_cosines(monkeypatch):
    fit, a, b, _ = grid_data()
    whole = [cos for *_, cos in grid_cosines(fit, a, b, BETAS, GAMMAS, KS)]
    monkeypatch.setattr(whitening, "_PAIR_BLOCK", 7)  # 120 pairs: 18 blocks, the last one short
    blocked = [cos for *_, cos in grid_cosines(fit, a, b, BETAS, GAMMAS, KS)]
    assert all(np.allclose(x, y, rtol=0, atol=1e-13) for x, y in zip(whole, blocked, strict=True))


def test_whitening_grid_equals_plain_spearman_per_cell_and_group():
    fit, a, b, gold = grid_data()
    groups = {"first": np.arange(120) < 50, "rest": np.arange(120) >= 50, "all": np.ones(120, bool)}
    table = whitening_grid(fit, a, b, gold, BETAS, GAMMAS, KS, groups=groups)
    assert len(table) == 27 * 3
    assert set(table.columns) == {"beta", "gamma", "k", "group", "n_pairs", "spearman"}
    for row in table.itertuples():
        w = fit_whitening(fit, row.beta, row.gamma)
        mask = groups[row.group]
        direct = spearman_x100(
            cosine_scores(apply_whitening(w, a[mask], row.k), apply_whitening(w, b[mask], row.k)), gold[mask]
        )
        assert row.spearman == pytest.approx(direct, abs=1e-9)
        assert row.n_pairs == mask.sum()
    # the settings matter on this data, so the comparison above is not between constants
    assert table.spearman.max() - table.spearman.min() > 1.0


def test_grid_default_group_and_singular_guard():
    x = layernorm_like()
    a, b, gold = x[:100], x[100:], np.arange(100.0)
    table = whitening_grid(x, a, b, gold, [1.0], [1.0], [7, None], eig_floor=1e-8)
    assert table.group.unique().tolist() == ["all"] and table.spearman.notna().all()
    w = fit_whitening(x, 1.0, 1.0, eig_floor=1e-8)
    full = spearman_x100(cosine_scores(apply_whitening(w, a), apply_whitening(w, b)), gold)
    assert table.spearman.iloc[1] == pytest.approx(full, abs=1e-6)


def test_rotation_keeps_spearman_exactly_with_tied_pairs():
    """C1.1 with pairs of identical sentences: their cosines are all 1, ties that rounding noise
    (a different ~1e-16 per pair and per representation) must not split; without the rounding in
    spearman_x100 this case moves ρ by 0.06."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(60, 8)), rng.normal(size=(60, 8))
    b[:30] = a[:30]  # 30 pairs of identical sentences
    gold = rng.integers(0, 6, 60).astype(float)
    w = fit_whitening(np.vstack([a, b]), beta=0.0, gamma=0.0)
    raw = cosine_scores(a, b)
    rotated = cosine_scores(apply_whitening(w, a), apply_whitening(w, b))
    assert np.abs(rotated - raw).max() < 1e-12
    assert spearman_x100(rotated, gold) == spearman_x100(raw, gold)


# --------------------------------------------------------------------------- 8069's BERT rows (C1.5, C1.6)


def abc_rows(encoder, k0, tasks, pooling="first-last-avg", coverage="full"):
    return [
        dict(
            encoder=encoder,
            pooling=pooling,
            task=t,
            d=3 * k0,
            k0=k0,
            a=a,
            b=b,
            c=c,
            coverage=coverage,
            task_score="test split",
        )
        for t, (a, b, c) in tasks.items()
    ]


def test_article_rows_stand_ins_missing_models_and_excluded_subsets():
    import pandas as pd

    white = pd.DataFrame(
        abc_rows("bert-base", 256, {"stsb": (59.0, 71.0, 71.5), "sickr": (63.0, 61.0, 62.0)})
        + abc_rows("bert-base", 256, {"stsb": (20.0, 60.0, 61.0)}, pooling="cls")
        + abc_rows("bert-base", 256, {"sts12": (57.0, 62.0, 63.0)}, coverage="mirror subset")
        + abc_rows("tiny", 12, {"stsb": (5.0, 6.0, 4.0)})
    )
    encoders = {
        "bert-base": {"model": "google-bert/bert-base-uncased", "article_model": "bert-base-uncased"},
        "tiny": {"random_bert": {"seed": 0}, "article_model": "bert-large-uncased"},
        "glove": {},
    }
    rows = whitening.article_rows(white, encoders)
    assert set(rows) == {"base", "large"} and not rows["base"]["stand_in"] and rows["large"]["stand_in"]
    assert rows["base"]["tasks"]["stsb"]["a"] == 59.0  # first-last-avg, not the cls row
    c15 = whitening.stsb_abc(rows)
    assert c15["base"] == {
        "a": 59.0,
        "b": 71.0,
        "c": 71.5,
        "c_minus_b": 0.5,
        "k": 256,
        "encoder": "bert-base",
        "stand_in": False,
    }
    assert c15["large"]["c_minus_b"] == -2.0 and c15["stand_in"] and c15["missing"] == []
    c16 = whitening.flow_comparison(rows)
    assert c16["c"] == {"stsb": 71.5, "sickr": 62.0} and c16["excluded"] == {"sts12": "mirror subset"}
    assert not c16["stand_in"]
    # without the article's models: the claim keys stay absent, the reason is listed
    none = whitening.article_rows(white, {"glove": {}})
    assert whitening.stsb_abc(none)["missing"] == ["bert-base-uncased", "bert-large-uncased"]
    assert "base" not in whitening.stsb_abc(none) and "c" not in whitening.flow_comparison(none)


def test_article_rows_need_the_article_k_for_the_real_models():
    import pandas as pd

    white = pd.DataFrame(abc_rows("bert-large", 256, {"stsb": (59.0, 71.0, 71.5)}))
    with pytest.raises(ValueError, match="384"):
        whitening.article_rows(
            white, {"bert-large": {"model": "bert-large-uncased", "article_model": "bert-large-uncased"}}
        )
    # a stand-in is not held to it
    assert whitening.article_rows(white, {"bert-large": {"model": "some/other", "article_model": "bert-large-uncased"}})


def test_split_vectors_takes_both_sides_of_one_split():
    x = np.arange(12.0).reshape(6, 2)  # 3 pairs: rows 0-2 are sentence1, rows 3-5 sentence2
    split = np.array(["train", "test", "train"])
    assert whitening.split_vectors(x, split, "train").tolist() == [[0, 1], [4, 5], [6, 7], [10, 11]]
    with pytest.raises(ValueError, match="splits present: test, train"):
        whitening.split_vectors(x, split, "dev")
    with pytest.raises(ValueError, match="both sides"):
        whitening.split_vectors(x[:5], split, "train")


def test_sickr_drop_uses_bert_base_when_present_else_the_unsupervised_proxy():
    import pandas as pd

    rows = [
        dict(
            encoder="bert-base",
            pooling="first-last-avg",
            task="sickr",
            d=768,
            k0=256,
            a=63.75,
            b=61.0,
            c=62.25,
            coverage="full",
            task_score="test split",
            supervised=False,
        ),
        dict(
            encoder="glove",
            pooling="avg",
            task="sickr",
            d=50,
            k0=16,
            a=50.0,
            b=55.0,
            c=53.0,
            coverage="full",
            task_score="test split",
            supervised=False,
        ),
        dict(
            encoder="minilm",
            pooling="cls",
            task="sickr",
            d=384,
            k0=128,
            a=70.0,
            b=66.0,
            c=60.0,
            coverage="full",
            task_score="test split",
            supervised=True,
        ),
    ]
    white = pd.DataFrame(rows)
    real = {"bert-base": {"model": "bert-base-uncased", "article_model": "bert-base-uncased", "supervised": False}}
    drop = whitening.sickr_drop(white, whitening.article_rows(white, real))
    assert drop["c_minus_a_sickr"] == pytest.approx(-1.5) and drop["label"].startswith("bert-base-uncased")
    assert drop["c_minus_a_glove_avg"] == pytest.approx(3.0) and drop["c_minus_a_minilm_cls"] == pytest.approx(-10.0)
    stand_in = {"bert-base": {"random_bert": {}, "article_model": "bert-base-uncased", "supervised": False}}
    proxy = whitening.sickr_drop(white, whitening.article_rows(white, stand_in))
    assert proxy["c_minus_a_sickr"] == pytest.approx(3.0) and proxy["label"].startswith(
        "proxy"
    )  # max over unsupervised
    assert "c_minus_a_sickr" not in whitening.sickr_drop(white[white.supervised], {})
