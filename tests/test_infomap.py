"""Tests for kexue.infomap: the coding bounds, the article's map equation against an independent loop and
against the `infomap` package, the greedy search, and the LFR retry."""

import math

import networkx as nx
import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics import normalized_mutual_info_score

from kexue import infomap as im


def planted(seed=0):
    return im.planted_partition(4, 25, 0.3, 0.01, seed)


# --------------------------------------------------------------------------- coding bounds


def test_huffman_of_a_dyadic_distribution_meets_the_entropy():
    p = [0.5, 0.25, 0.125, 0.125]
    assert list(im.huffman_lengths(p)) == [1, 2, 3, 3]
    assert np.dot(p, im.huffman_lengths(p)) == pytest.approx(im.entropy_bits(p)) == pytest.approx(1.75)


def test_huffman_codes_are_complete_and_within_one_bit():
    rng = np.random.default_rng(0)
    for row in im.coding_bounds(rng, 200, 2, 60):
        assert row["kraft"] == pytest.approx(1.0)  # a Huffman tree is full: Kraft holds with equality
        assert row["entropy"] - 1e-12 <= row["huffman_length"] < row["entropy"] + 1


def test_entropy_in_bits():
    assert im.entropy_bits(np.full(8, 1 / 8)) == pytest.approx(3.0)
    assert im.entropy_bits([1.0, 0.0]) == 0.0


# --------------------------------------------------------------------------- flow and the map equation


def test_stationary_flow_is_the_fixed_point_of_the_teleporting_walk():
    A, _, _ = planted(1)
    tau = 0.15
    p = im.stationary_flow(A, tau)
    P = im.transition_matrix(A)
    assert np.allclose(p, (1 - tau) * (P.T @ p) + tau / len(p), atol=1e-14)
    ring = nx.to_scipy_sparse_array(nx.cycle_graph(10))
    assert np.allclose(im.stationary_flow(ring, tau), 0.1)  # regular graph: uniform


def map_equation_by_loops(A, modules, tau):
    """The article's formulas term by term, with Python loops (independent of the vectorised version)."""
    A = sparse.csr_matrix(A).toarray()
    n = len(A)
    P = A / A.sum(axis=1, keepdims=True)
    p = im.stationary_flow(A, tau)
    names = sorted(set(modules))
    q, inside = {}, {}
    for m in names:
        nodes = [a for a in range(n) if modules[a] == m]
        out = sum(p[a] * P[a, b] for a in nodes for b in range(n) if modules[b] != m)
        q[m] = tau * (n - len(nodes)) / n * sum(p[a] for a in nodes) + (1 - tau) * out
        inside[m] = [p[a] for a in nodes]
    q_total = sum(q.values())
    length = -sum(q[m] * math.log2(q[m] / q_total) for m in names if q[m] > 0)
    for m in names:
        total = q[m] + sum(inside[m])
        length -= sum(x * math.log2(x / total) for x in [q[m], *inside[m]] if x > 0)
    return length


@pytest.mark.parametrize("seed", [0, 3])
def test_map_equation_matches_a_term_by_term_loop(seed):
    A, _, truth = planted(seed)
    random = np.random.default_rng(seed).integers(0, 4, len(truth))
    for modules in (truth, random):
        assert im.map_equation(A, modules, 0.15) == pytest.approx(map_equation_by_loops(A, modules, 0.15), abs=1e-12)


def test_one_module_is_the_entropy_and_structure_compresses():
    A, _, truth = planted(2)
    p = im.stationary_flow(A, 0.15)
    assert abs(im.map_equation(A, np.zeros(len(p)), 0.15) - im.entropy_bits(p)) < 1e-12
    assert im.map_equation(A, truth, 0.15) < im.entropy_bits(p)
    # singletons: every step costs an exit codeword, longer than one module
    assert im.map_equation(A, np.arange(len(p)), 0.15) > im.entropy_bits(p)


def test_map_equation_equals_the_package_under_the_same_convention():
    A, edges, truth = planted(4)
    random = np.random.default_rng(1).integers(0, 4, len(truth))
    for modules in (truth, random):
        ours = im.map_equation(A, modules, 0.15)
        assert im.package_codelength(edges, len(truth), modules, 0.15) == pytest.approx(ours, abs=1e-9)


def test_conventions_differ_trap():
    """The package's default for undirected links (degree flow, no teleportation) gives another number."""
    import infomap

    A, edges, truth = planted(4)
    net = infomap.Infomap(silent=True)
    net.add_nodes(range(len(truth)))
    net.add_links(edges)
    options = infomap.Options(no_infomap=True, two_level=True)
    result = net.run(initial_partition={i: int(m) for i, m in enumerate(truth)}, options=options)
    assert abs(result.codelength - im.map_equation(A, truth, 0.15)) > 1e-3


def test_level_codelength_and_start_partition_agree_with_the_map_equation():
    A, _, truth = planted(0)
    tau, n = 0.15, len(truth)
    p = im.stationary_flow(A, tau)
    flow = sparse.diags(p) @ im.transition_matrix(A)
    level = im._Level(flow, p, np.ones(n), tau * p, tau, n)
    level.plogp_nodes = float(im._plogp(p).sum())
    assert level.codelength() == pytest.approx(im.map_equation(A, np.arange(n), tau), abs=1e-12)
    level.set_modules(truth)
    assert level.codelength() == pytest.approx(im.map_equation(A, truth, tau), abs=1e-12)


# --------------------------------------------------------------------------- search


def test_greedy_search_recovers_the_planted_partition_without_k():
    A, _, truth = planted(0)
    found = im.greedy_infomap(A, 0.15, seed=0)
    assert normalized_mutual_info_score(truth, found) == pytest.approx(1.0)
    assert im.map_equation(A, found, 0.15) <= im.map_equation(A, truth, 0.15) + 1e-12


def test_greedy_search_never_ends_above_the_one_module_length():
    A, _, _ = planted(5)
    p = im.stationary_flow(A, 0.15)
    assert im.map_equation(A, im.greedy_infomap(A, 0.15, seed=1), 0.15) <= im.entropy_bits(p) + 1e-12


def test_package_finds_the_planted_partition():
    _, edges, truth = planted(0)
    found, codelength, seconds = im.package_infomap(edges, len(truth), seed=1)
    assert normalized_mutual_info_score(truth, found) == pytest.approx(1.0)
    assert codelength > 0 and seconds >= 0


def test_lfr_retries_a_seed_that_does_not_converge(monkeypatch):
    real = nx.LFR_benchmark_graph
    calls = []

    def flaky(*args, seed, **kwargs):
        calls.append(seed)
        if len(calls) == 1:
            raise nx.ExceededMaxIterations("no")
        return real(*args, seed=seed, **kwargs)

    monkeypatch.setattr(nx, "LFR_benchmark_graph", flaky)
    settings = dict(n=250, tau1=3.0, tau2=1.5, average_degree=10, max_degree=50, min_community=20, max_community=50)
    A, edges, truth, used = im.lfr_graph(settings, 0.1, 7)
    assert calls == [7, 1007] and used == 1007
    assert A.shape == (250, 250) and len(truth) == 250 and A.diagonal().sum() == 0


def test_neighbour_graph_has_k_edges_per_word_and_no_self_loops():
    vectors = np.random.default_rng(0).normal(size=(30, 5))
    edges = im.neighbour_graph(vectors, 4)
    assert len(edges) == 120 and all(i != j for i, j, _ in edges)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    i, j, w = edges[0]
    assert w == pytest.approx(unit[i] @ unit[j])
