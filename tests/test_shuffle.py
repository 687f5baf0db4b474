"""Tests for kexue.shuffle: the two-pass scheme against exhaustive enumeration, the count argument, the
proportional variant's exact uniformity, the short-last-file fix, and the file-based shuffle."""

import itertools
import math
import random
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chisquare

from kexue import config as kexue_config
from kexue import verdicts
from kexue.jobs import read_json
from kexue.shuffle import files, scheme


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("m, n", [(2, 2), (2, 3), (3, 2)])
def test_enumeration_has_the_comment_threads_outcome_count(m, n):
    counts = scheme.enumerate_two_pass(m, n)
    assert sum(counts.values()) == math.factorial(m) ** n * math.factorial(n) ** m == scheme.outcome_count(m, n)
    assert len(counts) < math.factorial(m * n)  # not every order is reachable
    # the first m outputs always come from m different files
    assert all(len({order[j] // n for j in range(m)}) == m for order in counts)


@pytest.mark.parametrize("m, n", [(2, 3), (3, 3)])
def test_marginals_are_exactly_uniform(m, n):
    table = scheme.position_counts(scheme.enumerate_two_pass(m, n), m * n)
    assert (table == scheme.outcome_count(m, n) // (m * n)).all()


def test_count_argument():
    assert scheme.outcome_count(4, 4) % math.factorial(16) != 0
    # (2, 2): 16 equally likely outcomes over 24 orders, so some orders have probability 0
    assert len(scheme.enumerate_two_pass(2, 2)) == 16


def test_list_shuffle_reaches_only_the_enumerated_orders():
    reachable = set(scheme.enumerate_two_pass(2, 3))
    r = random.Random(0)
    seen = Counter(tuple(scheme.two_pass(list(range(6)), 3, r)) for _ in range(20_000))
    assert set(seen) <= reachable
    assert len(seen) == len(reachable)  # 288 orders, each ≈ 69 times
    assert chisquare(list(seen.values())).pvalue > 1e-4


def test_vectorised_shuffle_matches_the_enumeration():
    reachable = scheme.enumerate_two_pass(2, 3)
    for orders in (scheme.two_pass_batch(2, 3, 20_000, rng()), scheme.ragged_batch([3, 3], 20_000, rng(1))):
        assert {tuple(o) for o in orders} == set(reachable)


def test_permutation_index_ranks_in_lexicographic_order():
    orders = np.array(list(itertools.permutations(range(4))))
    np.testing.assert_array_equal(scheme.permutation_index(orders), np.arange(24))


def test_proportional_variant_is_exactly_and_empirically_uniform():
    probabilities = scheme.exact_proportional(2, 3)
    assert len(probabilities) == 720 and set(probabilities.values()) == {Fraction(1, 720)}
    counts = np.bincount(scheme.permutation_index(scheme.proportional_batch(2, 2, 24_000, rng())), minlength=24)
    assert chisquare(counts).pvalue > 1e-4
    r = random.Random(0)
    assert sorted(scheme.proportional(list(range(10)), 4, r)) == list(range(10))


def test_two_pass_is_detectably_not_uniform():
    counts = np.bincount(scheme.permutation_index(scheme.two_pass_batch(2, 2, 24_000, rng())), minlength=24)
    assert (counts == 0).sum() == 8
    assert chisquare(counts).pvalue < 1e-10


def mean_position_z(orders, last):
    """(global mean − mean position of the last file's items) / SE over runs."""
    total = orders.shape[1]
    per_run = np.argsort(orders, axis=1)[:, total - last :].mean(axis=1)
    return ((total - 1) / 2 - per_run.mean()) / (per_run.std(ddof=1) / np.sqrt(len(per_run)))


def test_short_last_file_bias_and_its_fix():
    sizes = [100] * 4 + [25]
    assert mean_position_z(scheme.ragged_batch(sizes, 400, rng(), fix_short_last=False), 25) > 10
    assert abs(mean_position_z(scheme.ragged_batch(sizes, 400, rng(1), fix_short_last=True), 25)) < 4
    # the list implementation, the one the vectorised one mirrors, shows the same
    r = random.Random(0)
    plain = np.array([scheme.two_pass(list(range(425)), 100, r) for _ in range(200)])
    fixed = np.array([scheme.two_pass(list(range(425)), 100, r, fix_short_last=True) for _ in range(200)])
    assert mean_position_z(plain, 25) > 10 and abs(mean_position_z(fixed, 25)) < 4


def test_file_shuffle_is_a_permutation_and_cleans_up(tmp_path):
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    files.write_lines(src, 1000, 6)
    assert files.shuffle_file(src, dst, 64, seed=0, workdir=tmp_path) == 16
    assert files.is_permutation_of_range(dst, 1000)
    assert dst.read_text() != src.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.txt"]  # chunk files removed
    (tmp_path / "bad.txt").write_text("0\n0\n")
    assert not files.is_permutation_of_range(tmp_path / "bad.txt", 2)


def test_subprocess_reports_its_own_peak(tmp_path):
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    files.write_lines(src, 20_000, 6)
    ballast = b"\x01" * (300 * 2**20)  # touched pages: this process's peak must not leak into the child's report
    out = subprocess.run(
        [sys.executable, "-m", "kexue.shuffle.files", str(src), str(dst), "1000", "0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    del ballast
    assert float(out[0]) < 200 and out[1] == "20"


# --------------------------------------------------------------------------- guards read what the scripts write

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "claim_id, key, bad",
    [
        ("shuffle.memory_bounded", "all_permutations", False),
        ("shuffle.proportional_fix", "proportional.min_expected_per_cell", 10.0),
        ("shuffle.too_regular", "near_uniform.control_chi2_lower_p", 0.001),
    ],
)
def test_guards_read_the_committed_metrics_and_can_fire(claim_id, key, bad):
    claim = next(c for c in kexue_config.load_claims(ROOT, "shuffle")["claims"] if c["id"] == claim_id)
    metrics = read_json(ROOT / "results" / claim["metrics"])
    assert verdicts.apply_guards(claim["rule"]["guards"], metrics)[0] == []
    *path, last = key.split(".")
    node = metrics
    for part in path:
        node = node[part]
    node[last] = bad
    assert len(verdicts.apply_guards(claim["rule"]["guards"], metrics)[0]) == 1
