"""The minimum-entropy principle (5): the map equation and InfoMap (kexue.fm 7006).

- Coding bounds: Huffman code lengths l_i satisfy Kraft, Σ 2^{−l_i} ≤ 1, and H(P) ≤ Σ p_i l_i < H(P) + 1.
- The random walk with teleportation τ: p_β = (1 − τ) Σ_α p_α p_{α→β} + τ/n (power iteration).
- The map equation (bits), with the article's recorded teleportation: the exit probability of module i
  (n_i nodes) is q_i↷ = τ (n − n_i)/n Σ_{α∈i} p_α + (1 − τ) Σ_{α∈i} Σ_{β∉i} p_α p_{α→β}, and
      L(M) = q↷ H(Q) + Σ_i p_i↻ H(P^i),   q↷ = Σ_i q_i↷,   p_i↻ = q_i↷ + Σ_{α∈i} p_α.
  Expanded, L = q↷ log q↷ − 2 Σ q_i↷ log q_i↷ − Σ_α p_α log p_α + Σ_i p_i↻ log p_i↻ (what the greedy
  search evaluates for each move in O(1)).
- The greedy search of the article: start from singletons, move each node (in random order) to the
  neighbouring module that lowers L most, repeat until no move helps, then aggregate the modules into
  nodes and repeat on the module graph (the core loop of Rosvall & Bergstrom's algorithm).
"""

import heapq
import itertools

import numpy as np
from scipy import sparse

# --- coding bounds -------------------------------------------------------------------------------------------


def entropy_bits(p) -> float:
    """H(P) = −Σ p log₂ p over the non-zero entries (0 log 0 = 0)."""
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def huffman_lengths(p) -> np.ndarray:
    """Code lengths of a binary Huffman code for the distribution p: repeatedly merge the two least
    probable subtrees; every symbol in a merged subtree gets one more bit."""
    p = np.asarray(p, dtype=float)
    if len(p) == 1:
        return np.ones(1, dtype=int)
    lengths = np.zeros(len(p), dtype=int)
    tie = itertools.count()  # equal weights never compare the symbol lists
    heap = [(w, next(tie), [i]) for i, w in enumerate(p)]
    heapq.heapify(heap)
    while len(heap) > 1:
        w1, _, s1 = heapq.heappop(heap)
        w2, _, s2 = heapq.heappop(heap)
        lengths[s1 + s2] += 1
        heapq.heappush(heap, (w1 + w2, next(tie), s1 + s2))
    return lengths


def kraft_sum(lengths) -> float:
    return float(np.sum(2.0 ** -np.asarray(lengths, dtype=float)))


def coding_bounds(rng, draws: int, min_size: int, max_size: int) -> list[dict]:
    """Random distributions (Dirichlet(1) of random size, one in four made very skewed by cubing) and
    their entropy, Huffman mean length and Kraft sum."""
    rows = []
    for _ in range(draws):
        size = int(rng.integers(min_size, max_size + 1))
        p = rng.dirichlet(np.ones(size))
        if rng.random() < 0.25:
            p = p**3 / (p**3).sum()
        lengths = huffman_lengths(p)
        rows.append(
            {
                "size": size,
                "entropy": entropy_bits(p),
                "huffman_length": float(p @ lengths),
                "kraft": kraft_sum(lengths),
            }
        )
    return rows


# --- the map equation ----------------------------------------------------------------------------------------


def transition_matrix(adjacency) -> sparse.csr_matrix:
    """p_{α→β} = w_αβ / Σ_β w_αβ (rows of dangling nodes stay zero: they teleport)."""
    A = sparse.csr_matrix(adjacency, dtype=float)
    out = np.asarray(A.sum(axis=1)).ravel()
    inv = np.divide(1.0, out, out=np.zeros_like(out), where=out > 0)
    return sparse.diags(inv) @ A


def stationary_flow(adjacency, tau: float, tol: float = 1e-15, max_iter: int = 10_000) -> np.ndarray:
    """p_β = (1 − τ) Σ_α p_α p_{α→β} + τ/n by power iteration (a dangling node's mass teleports)."""
    P = transition_matrix(adjacency)
    n = P.shape[0]
    dangling = np.asarray(P.sum(axis=1)).ravel() == 0
    p = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = (1 - tau) * (P.T @ p) + ((1 - tau) * p[dangling].sum() + tau) / n
        if np.abs(new - p).sum() < tol:
            return new / new.sum()
        p = new
    return p / p.sum()


def exit_probabilities(adjacency, modules, tau: float, p=None):
    """(q_i↷, Σ_{α∈i} p_α) per module, by the article's formula (recorded teleportation)."""
    modules = np.asarray(modules)
    P = transition_matrix(adjacency)
    p = stationary_flow(adjacency, tau) if p is None else p
    n = len(p)
    labels, index = np.unique(modules, return_inverse=True)
    member = sparse.csr_matrix((np.ones(n), (np.arange(n), index)), shape=(n, len(labels)))
    flow = sparse.diags(p) @ P  # p_α p_{α→β}
    module_flow = (member.T @ flow @ member).toarray()  # between modules
    link_exit = module_flow.sum(axis=1) - np.diag(module_flow)
    p_module = member.T @ p
    n_module = np.asarray(member.sum(axis=0)).ravel()
    dangling = np.asarray(P.sum(axis=1)).ravel() == 0
    dangling_module = member.T @ (p * dangling)  # a dangling node's flow all teleports
    teleport = (tau * p_module + (1 - tau) * dangling_module) * (n - n_module) / n
    return teleport + (1 - tau) * link_exit, p_module


def map_equation(adjacency, modules, tau: float = 0.15, p=None) -> float:
    """L(M) = q↷ H(Q) + Σ_i p_i↻ H(P^i) in bits, written from the article's formulas."""
    p = stationary_flow(adjacency, tau) if p is None else p
    q, _ = exit_probabilities(adjacency, modules, tau, p)
    q_total = q.sum()
    index = np.unique(np.asarray(modules), return_inverse=True)[1]
    length = q_total * entropy_bits(q / q_total) if q_total > 0 else 0.0
    for i, q_i in enumerate(q):
        within = np.concatenate([[q_i], p[index == i]])
        p_circ = within.sum()  # p_i↻ = q_i↷ + Σ_{α∈i} p_α
        length += p_circ * entropy_bits(within / p_circ)
    return float(length)


def _plogp(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x * np.log2(np.where(x > 0, x, 1.0)), 0.0)


class _Level:
    """Nodes of one level of the search (original nodes, or modules of the level below), with their
    flow p, size (original nodes inside) and the flow between them F_αβ = p_α p_{α→β} (incl. self-flow);
    per module: flow P_i, size n_i, link exit flow E_i; so q_i↷ = τ (n − n_i)/n P_i + (1 − τ) E_i."""

    def __init__(self, flow: sparse.csr_matrix, p, size, teleport_flow, tau: float, n_total: int):
        self.F, self.FT = flow.tocsr(), flow.T.tocsr()
        self.p, self.size, self.t = np.asarray(p, float), np.asarray(size, float), np.asarray(teleport_flow, float)
        self.tau, self.n = tau, n_total
        self.self_flow = self.F.diagonal()
        self.out = np.asarray(self.F.sum(axis=1)).ravel()
        self.module = np.arange(len(self.p))
        self.P = self.p.copy()
        self.T = self.t.copy()  # flow that teleports from the module (τ p_α, plus dangling flow)
        self.N = self.size.copy()
        self.E = self.out - self.self_flow  # singletons: every link leaves
        self.plogp_nodes = 0.0  # the Σ p_α log p_α of the original nodes; set by the caller (constant in moves)

    def set_modules(self, modules) -> None:
        """Start from a given partition of this level's nodes: per-module flow, size and link exit flow."""
        self.module = np.unique(np.asarray(modules), return_inverse=True)[1]
        k = self.module.max() + 1
        member = sparse.csr_matrix(
            (np.ones(len(self.p)), (np.arange(len(self.p)), self.module)), shape=(len(self.p), k)
        )
        between = (member.T @ self.F @ member).toarray()
        self.P, self.T, self.N = member.T @ self.p, member.T @ self.t, member.T @ self.size
        self.E = between.sum(axis=1) - np.diag(between)

    def exit(self, T, N, E):
        return T * (self.n - N) / self.n + (1 - self.tau) * E

    def codelength(self) -> float:
        q = self.exit(self.T, self.N, self.E)
        q_total = q.sum()
        return float(
            _plogp(q_total) - 2 * _plogp(q).sum() - self.plogp_nodes + _plogp(q + self.P).sum()
        )  # bits, expanded map equation

    def _links(self, node):
        """Flow from and to `node`, summed per neighbouring module (self-flow apart)."""
        out_to, in_from = {}, {}
        for matrix, acc in ((self.F, out_to), (self.FT, in_from)):
            start, end = matrix.indptr[node], matrix.indptr[node + 1]
            for j, w in zip(matrix.indices[start:end], matrix.data[start:end], strict=True):
                if j != node:
                    m = self.module[j]
                    acc[m] = acc.get(m, 0.0) + w
        return out_to, in_from

    def move_once(self, rng) -> int:
        """One sweep of single-node moves in random order; returns how many nodes moved."""
        moved = 0
        q = self.exit(self.T, self.N, self.E)
        q_total = q.sum()
        for node in rng.permutation(len(self.p)):
            a = self.module[node]
            out_to, in_from = self._links(node)
            candidates = set(out_to) | set(in_from)
            candidates.discard(a)
            if not candidates:
                continue
            own_exit = self.out[node] - self.self_flow[node]
            # module a without the node
            E_a = self.E[a] - (own_exit - out_to.get(a, 0.0)) + in_from.get(a, 0.0)
            P_a, T_a, N_a = self.P[a] - self.p[node], self.T[a] - self.t[node], self.N[a] - self.size[node]
            q_a_old, q_a_new = q[a], self.exit(T_a, N_a, E_a)
            base = -2 * _plogp(q_a_old) + _plogp(q_a_old + self.P[a]) + 2 * _plogp(q_a_new)
            base -= _plogp(q_a_new + P_a)
            best, best_delta, best_state = None, -1e-12, None
            for b in candidates:
                E_b = self.E[b] + (own_exit - out_to.get(b, 0.0)) - in_from.get(b, 0.0)
                P_b, T_b, N_b = self.P[b] + self.p[node], self.T[b] + self.t[node], self.N[b] + self.size[node]
                q_b_new = self.exit(T_b, N_b, E_b)
                new_total = q_total - q_a_old + q_a_new - q[b] + q_b_new
                # ΔL of the expanded map equation (the Σ p log p term does not change)
                delta = (
                    _plogp(new_total)
                    - _plogp(q_total)
                    - base
                    + 2 * _plogp(q[b])
                    - _plogp(q[b] + self.P[b])
                    - 2 * _plogp(q_b_new)
                    + _plogp(q_b_new + P_b)
                )
                if delta < best_delta:
                    best, best_delta, best_state = b, delta, (E_b, P_b, T_b, N_b, q_b_new, new_total)
            if best is None:
                continue
            E_b, P_b, T_b, N_b, q_b_new, q_total = best_state
            self.E[a], self.P[a], self.T[a], self.N[a], q[a] = E_a, P_a, T_a, N_a, q_a_new
            self.E[best], self.P[best], self.T[best], self.N[best], q[best] = E_b, P_b, T_b, N_b, q_b_new
            self.module[node] = best
            moved += 1
        return moved


def _search(flow, p, size, teleport, tau, n, node_term, rng, max_sweeps, initial=None) -> np.ndarray:
    """Local moves until none helps, then aggregate the modules into nodes and repeat, until a level
    merges nothing. `initial`: the modules the first level starts from (singletons if None)."""
    assignment = np.arange(len(p))  # node of the first level → node of the current level
    while True:
        level = _Level(flow, p, size, teleport, tau, n)
        level.plogp_nodes = node_term
        if initial is not None:
            level.set_modules(initial)
            initial = None
        for _ in range(max_sweeps):
            if level.move_once(rng) == 0:
                break
        labels, compact = np.unique(level.module, return_inverse=True)
        if len(labels) == len(p):
            return assignment
        assignment = compact[assignment]
        member = sparse.csr_matrix((np.ones(len(p)), (np.arange(len(p)), compact)), shape=(len(p), len(labels)))
        flow = (member.T @ flow @ member).tocsr()
        p, size, teleport = member.T @ p, member.T @ size, member.T @ teleport


def greedy_infomap(adjacency, tau: float = 0.15, seed: int = 0, max_sweeps: int = 50, max_rounds: int = 10):
    """Minimise L without a number of modules: the core search from singletons, then refinement rounds
    (single nodes may leave the modules found, which are then merged again) while L decreases."""
    rng = np.random.default_rng(seed)
    A = sparse.csr_matrix(adjacency, dtype=float)
    n = A.shape[0]
    p = stationary_flow(A, tau)
    P = transition_matrix(A)
    dangling = np.asarray(P.sum(axis=1)).ravel() == 0
    flow = (sparse.diags(p) @ P).tocsr()
    graph = (flow, p, np.ones(n), tau * p + (1 - tau) * p * dangling, tau, n, float(_plogp(p).sum()), rng, max_sweeps)
    modules = _search(*graph)
    length = map_equation(A, modules, tau, p)
    for _ in range(max_rounds):
        refined = _search(*graph, initial=modules)
        refined_length = map_equation(A, refined, tau, p)
        if refined_length >= length - 1e-10:
            break
        modules, length = refined, refined_length
    return modules


# --- the `infomap` package, benchmark graphs, word clusters ---------------------------------------------------


def package_infomap(edges, n: int, seed: int, threads: int = 1, **options):
    """Two-level partition by the `infomap` package (its default for undirected links: degree-based
    flow, no teleportation). Returns (module per node 0..n−1, codelength in bits, seconds in run())."""
    import time

    import infomap

    net = infomap.Infomap(silent=True)
    net.add_nodes(range(n))
    for edge in edges:  # (u, v) or (u, v, weight)
        net.add_link(int(edge[0]), int(edge[1]), *(float(w) for w in edge[2:]))
    started = time.perf_counter()
    result = net.run(options=infomap.Options(two_level=True, seed=seed, num_threads=threads, **options))
    seconds = time.perf_counter() - started
    modules = result.modules()
    return np.array([modules[i] for i in range(n)]), float(result.codelength), seconds


def package_codelength(edges, n: int, modules, tau: float) -> float:
    """The package's codelength of a given partition under the article's convention: both directions of
    every link, teleportation τ to nodes, recorded (the flow of `stationary_flow`, the exits of
    `exit_probabilities`); no search (`no_infomap`)."""
    import infomap

    net = infomap.Infomap(silent=True)
    net.add_nodes(range(n))
    for u, v in edges:
        net.add_link(int(u), int(v))
        net.add_link(int(v), int(u))
    options = infomap.Options(
        no_infomap=True,
        two_level=True,
        directed=True,
        recorded_teleportation=True,
        to_nodes=True,
        teleportation_probability=tau,
    )
    result = net.run(initial_partition={i: int(m) for i, m in enumerate(modules)}, options=options)
    return float(result.codelength)


def planted_partition(groups: int, size: int, p_in: float, p_out: float, seed: int):
    """(adjacency, edges, true module per node) of networkx's planted-partition graph."""
    import networkx as nx

    graph = nx.planted_partition_graph(groups, size, p_in, p_out, seed=seed)
    n = groups * size
    return nx.to_scipy_sparse_array(graph, nodelist=range(n)), list(graph.edges()), np.repeat(np.arange(groups), size)


def lfr_graph(settings: dict, mu: float, seed: int, log=None, attempts: int = 10):
    """(adjacency, edges, true community per node, seed used) of networkx's LFR benchmark graph. The
    generator can fail to converge for some seeds: retry with seed + 1000·k, and log it."""
    import networkx as nx

    n = settings["n"]
    for attempt in range(attempts):
        used = seed + 1000 * attempt
        try:
            graph = nx.LFR_benchmark_graph(
                n,
                settings["tau1"],
                settings["tau2"],
                mu,
                average_degree=settings["average_degree"],
                max_degree=settings["max_degree"],
                min_community=settings["min_community"],
                max_community=settings["max_community"],
                seed=used,
            )
        except nx.ExceededMaxIterations as err:
            if log:
                log.warning("LFR n=%d μ=%g seed %d did not converge (%s); retrying", n, mu, used, err)
            continue
        truth = np.array([min(graph.nodes[v]["community"]) for v in range(n)])
        graph.remove_edges_from(nx.selfloop_edges(graph))
        return nx.to_scipy_sparse_array(graph, nodelist=range(n)), list(graph.edges()), truth, used
    raise RuntimeError(f"LFR benchmark graph n={n}, μ={mu} did not converge in {attempts} seeds from {seed}")


def neighbour_graph(vectors: np.ndarray, k: int):
    """Edges (i, j, cosine) from every word to its k nearest neighbours by cosine (self excluded)."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cos = unit @ unit.T
    np.fill_diagonal(cos, -np.inf)
    nearest = np.argpartition(-cos, k, axis=1)[:, :k]
    return [(i, int(j), float(cos[i, j])) for i in range(len(unit)) for j in nearest[i]]
