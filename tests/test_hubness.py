"""Tests for kexue.hubness: the ball's volume formula, the k-occurrence against a brute-force count, and
the traps of the brief (self excluded, duplicates, fixed N and k)."""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from kexue import config as kexue_config
from kexue import hubness as hb
from kexue import verdicts
from kexue.jobs import read_json


def rng(seed=0):
    return np.random.default_rng(seed)


def test_ball_cube_ratio_known_values():
    # V_2 = π, V_3 = 4π/3; the cube [−1, 1]^n has volume 2^n
    assert hb.ball_cube_ratio(1) == pytest.approx(1.0)
    assert hb.ball_cube_ratio(2) == pytest.approx(math.pi / 4)
    assert hb.ball_cube_ratio(3) == pytest.approx(math.pi / 6)
    assert hb.ball_cube_ratio(20) < 1e-7


@pytest.mark.parametrize("n", [2, 5])
def test_ball_acceptance_matches_formula(n):
    p, se = hb.ball_acceptance(n, 200_000, rng(n))
    assert abs(p - hb.ball_cube_ratio(n)) < 4 * se


def brute_force_k_occurrence(x, k):
    """Independent count: sort every row of the distance matrix, self excluded by an infinite diagonal."""
    d = cdist(x, x)
    np.fill_diagonal(d, np.inf)
    lists = np.argsort(d, axis=1, kind="stable")[:, :k]
    return np.bincount(lists.ravel(), minlength=len(x))


@pytest.mark.parametrize("d", [2, 30])
def test_k_occurrence_matches_brute_force(d):
    x = rng(d).standard_normal((300, d))
    counts = hb.k_occurrence(x, 5)
    assert counts.sum() == 300 * 5  # Σ N_k = N·k: the mean is always k
    np.testing.assert_array_equal(counts, brute_force_k_occurrence(x, 5))


def test_neighbour_lists_exclude_self_even_with_duplicates():
    x = rng().standard_normal((50, 3))
    x = np.vstack([x, x[:10]])  # ten exact duplicates
    lists = hb.neighbour_lists(x, 4)
    assert lists.shape == (60, 4)
    assert not (lists == np.arange(60)[:, None]).any()
    assert hb.duplicate_count(x) == 10
    # each duplicate's nearest neighbour is its twin at distance 0
    assert all(lists[i, 0] == i + 50 for i in range(10))


def test_skewness_grows_with_dimension_at_fixed_n_and_k():
    low, high = (
        hb.hub_statistics(hb.k_occurrence(x, 10), x) for x in (hb.sample("gaussian", 1000, d, rng(d)) for d in (2, 200))
    )
    assert high["skewness"] > low["skewness"] + 1.0
    assert high["max"] > 3 * low["max"]
    assert high["rho_centre"] < -0.5  # hubs sit near the centre


def test_pca_lowers_hubness_of_high_dimensional_data():
    x = hb.sample("gaussian", 1000, 200, rng())
    ambient = hb.hub_statistics(hb.k_occurrence(x, 10), x)
    reduced = hb.pca(x, 3, 0)
    assert reduced.shape == (1000, 3)
    assert hb.hub_statistics(hb.k_occurrence(reduced, 10), reduced)["skewness"] < ambient["skewness"]


def test_bad_distribution_name_is_one_clear_message():
    with pytest.raises(ValueError, match="unknown distribution"):
        hb.sample("cauchy", 10, 2, rng())


# --------------------------------------------------------------------------- guards read what the scripts write

ROOT = Path(__file__).resolve().parents[1]


def guarded_claims():
    claims = kexue_config.load_claims(ROOT, "hubness")["claims"]
    return [c for c in claims if c["rule"].get("guards")]


def test_skew_grows_guard_reads_per_seed_values():
    (claim,) = guarded_claims()
    metrics = read_json(ROOT / "results" / claim["metrics"])
    per_seed = verdicts.lookup(metrics, "gaussian.skew_spearman_per_seed")
    assert isinstance(per_seed, list) and len(per_seed) >= 2
    fired, _ = verdicts.apply_guards(claim["rule"]["guards"], metrics)
    assert fired == []
    # seeds that disagree about the trend make the claim undecidable
    metrics["gaussian"]["skew_spearman_per_seed"] = [0.9, -0.8, 0.1]
    fired, _ = verdicts.apply_guards(claim["rule"]["guards"], metrics)
    assert len(fired) == 1 and "spread" in fired[0]
