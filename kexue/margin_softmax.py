"""From the triangle inequality to margin softmax (kexue.fm/archives/8656).

Retrieval asks d(z₁, z₃) < d(z₁, z₂) for z₁, z₃ of one class and z₂ of another; classification only asks
d(z₁, c₁) < d(z₁, c₂). For a metric d the triangle inequality turns the retrieval condition into a sufficient
one on centres: d(z₁, c₁) + d(z₃, c₁) + d(z₂, c₂) < d(z₁, c₂), a margin m ≈ d(z₃, c₁) + d(z₂, c₂) (an average
class diameter). 1 − cos is not a metric; sqrt(1 − cos) = ‖x/‖x‖ − y/‖y‖‖/√2 is, and with it the condition
becomes cos(z, c_y) − cos(z, c_i) > m·(d(z, c_i) + d(z, c_y)): a bounded right side, so a constant margin on
cosines suffices, AM-softmax: log(1 + Σ_{i≠y} exp(s·(cos(z, c_i) + m − cos(z, c_y)))).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.neighbors import NearestNeighbors
from torch import Tensor, nn

from kexue import classify

# --------------------------------------------------------------------------- metric numerics (float64)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def one_minus_cos(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """1 − cos(x, y) row by row, clipped at 0 (rounding near cos = 1 can give a tiny negative: brief, trap 4)."""
    return np.clip(1 - np.sum(unit(x) * unit(y), axis=-1), 0, None)


def sqrt_cos_distance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sqrt(1 − cos(x, y)): a metric, since it equals ‖x̂ − ŷ‖/√2."""
    return np.sqrt(one_minus_cos(x, y))


def chord_over_root2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖x/‖x‖ − y/‖y‖‖/√2, the Euclidean form of sqrt(1 − cos)."""
    return np.linalg.norm(unit(x) - unit(y), axis=-1) / np.sqrt(2)


EXCESS_BINS = 60  # histogram of d(x, z) − d(x, y) − d(y, z) on [−4, 2] (its whole range for d ≤ 2), for the figure


def triangle_excess(distance, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """d(x, z) − d(x, y) − d(y, z) per triple: above 0 (beyond rounding) the triangle inequality fails."""
    return distance(x, z) - distance(x, y) - distance(y, z)


def cosine_metric_check(triples: int, dim: int, seed: int, tol: float, chunk: int = 200_000) -> dict:
    """Violation rates of the triangle inequality (excess above `tol`) for 1 − cos and sqrt(1 − cos) on Gaussian
    triples, and the largest |sqrt(1 − cos) − ‖x̂ − ŷ‖/√2|."""
    rng = np.random.default_rng(seed)
    one_minus, root, identity, worst_root_excess = 0, 0, 0.0, -np.inf
    edges = np.linspace(-4.0, 2.0, EXCESS_BINS + 1)
    histograms = {"one_minus_cos": np.zeros(EXCESS_BINS, int), "sqrt": np.zeros(EXCESS_BINS, int)}
    for start in range(0, triples, chunk):
        x, y, z = (unit(v) for v in rng.standard_normal((3, min(chunk, triples - start), dim)))
        plain = triangle_excess(one_minus_cos, x, y, z)
        one_minus += int((plain > tol).sum())
        excess = triangle_excess(sqrt_cos_distance, x, y, z)
        root += int((excess > tol).sum())
        histograms["one_minus_cos"] += np.histogram(plain, edges)[0]
        histograms["sqrt"] += np.histogram(excess, edges)[0]
        worst_root_excess = max(worst_root_excess, float(excess.max()))
        identity = max(identity, float(np.abs(sqrt_cos_distance(x, y) - chord_over_root2(x, y)).max()))
    return {
        "triples": triples,
        "dim": dim,
        "tolerance": tol,
        "one_minus_cos_violations": one_minus,
        "one_minus_cos_violation_rate": one_minus / triples,
        "sqrt_violations": root,
        "sqrt_violation_rate": root / triples,
        "sqrt_largest_excess": worst_root_excess,
        "identity_max_error": identity,
        "excess_histogram": {"edges": edges.tolist(), **{k: v.tolist() for k, v in histograms.items()}},
    }


def euclidean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a - b, axis=-1)


def sufficient_condition_check(configurations: int, dim: int, seed: int, distance=euclidean) -> dict:
    """Random configurations: centres c₁, c₂ ~ N(0, I); z₁, z₃ = c₁ + σ·noise, z₂ = c₂ + σ·noise, one σ ~ U(0, 1)
    per configuration (so that the premise holds in a fair share). Counts the premise
    d(z₁,c₁) + d(z₃,c₁) + d(z₂,c₂) < d(z₁,c₂), the conclusion d(z₁,z₃) < d(z₁,z₂), their conjunctions, and
    classification d(z₁,c₁) < d(z₁,c₂) without correct retrieval."""
    rng = np.random.default_rng(seed)
    n = configurations
    c1, c2 = rng.standard_normal((2, n, dim))
    sigma = rng.uniform(0, 1, (n, 1))
    z1, z3 = c1 + sigma * rng.standard_normal((n, dim)), c1 + sigma * rng.standard_normal((n, dim))
    z2 = c2 + sigma * rng.standard_normal((n, dim))
    premise = distance(z1, c1) + distance(z3, c1) + distance(z2, c2) < distance(z1, c2)
    retrieval = distance(z1, z3) < distance(z1, z2)
    classification = distance(z1, c1) < distance(z1, c2)
    return {
        "configurations": n,
        "dim": dim,
        "premise": int(premise.sum()),
        "premise_rate": float(premise.mean()),
        "premise_without_retrieval": int((premise & ~retrieval).sum()),
        "retrieval_without_premise": int((retrieval & ~premise).sum()),
        "classification": int(classification.sum()),
        "classification_without_retrieval": int((classification & ~retrieval).sum()),
        "classification_without_retrieval_rate": float((classification & ~retrieval).mean()),
        "classification_without_retrieval_share": float((classification & ~retrieval).sum() / classification.sum()),
    }


# --------------------------------------------------------------------------- AM-softmax


class CosineClassifier(nn.Module):
    """An MLP embedding, L2-normalised, scored against L2-normalised class centres (the weight rows):
    forward gives cos(z, c_i) for every class; `embed` the unit embedding used for retrieval."""

    def __init__(self, widths, classes: int):
        super().__init__()
        self.body = classify.mlp(widths)
        self.centres = nn.Parameter(torch.randn(classes, widths[-1]) / widths[-1] ** 0.5)

    def embed(self, x: Tensor) -> Tensor:
        return F.normalize(self.body(x), dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        return self.embed(x) @ F.normalize(self.centres, dim=-1).T


def am_softmax_loss(cosines: Tensor, y: Tensor, scale: float, margin: float) -> Tensor:
    """Mean of log(1 + Σ_{i≠y} exp(s·(cos_i + m − cos_y))) = CE of the logits s·(cos − m·onehot(y)): the margin
    on the target logit only, inside the softmax, the same scale for every logit (brief, trap 1)."""
    logits = scale * (cosines - margin * F.one_hot(y, cosines.shape[-1]).to(cosines.dtype))
    return F.cross_entropy(logits, y)


def adaptive_margin(cosines: Tensor, y: Tensor) -> dict:
    """The article's margin from the embeddings of the training set, in the metric d = sqrt(1 − cos):
    m_d = d(z₃, c₁) + d(z₂, c₂) ≈ 2·mean d(z, c_y) (an average class diameter), turned into a margin on cosines
    by cos_y − cos_i = (d_i − d_y)(d_i + d_y) > m_d·(d_i + d_y), with the means of d_y and of the distance to the
    nearest other centre: m_cos = m_d·(mean d_y + mean d_near)."""
    d = torch.sqrt(torch.clamp(1 - cosines.double(), min=0))
    own = d.gather(-1, y[:, None]).squeeze(-1)
    nearest_other = d.scatter(-1, y[:, None], float("inf")).min(-1).values
    m_d = 2 * own.mean().item()
    return {
        "mean_own_distance": own.mean().item(),
        "mean_nearest_other_distance": nearest_other.mean().item(),
        "diameter_margin": m_d,
        "cosine_margin": m_d * (own.mean().item() + nearest_other.mean().item()),
    }


# --------------------------------------------------------------------------- retrieval (scikit-learn)


def average_precisions(similarity: Tensor, relevant: Tensor) -> Tensor:
    """Per query (row): the mean over its relevant items of the precision at each one's rank, items ranked by
    decreasing similarity; the same quantity as scikit-learn's label_ranking_average_precision_score per row when
    there are no ties (a test checks it), sorted in torch because the scikit-learn loop is too slow here."""
    order = similarity.argsort(dim=-1, descending=True)
    hits = relevant.gather(-1, order).double()
    precision = hits.cumsum(-1) / torch.arange(1, hits.shape[-1] + 1, dtype=torch.float64)
    return (precision * hits).sum(-1) / hits.sum(-1)


def retrieval(embeddings: np.ndarray, labels: np.ndarray, queries: int | None, seed: int) -> dict:
    """Every item of the set is a gallery item; the queries are all items or a seeded subsample, each left out of
    its own ranking. R@1 from scikit-learn's nearest neighbours (cosine); mAP: the mean over queries of the
    average precision of the same-class items ranked by cosine; strict separation rate: the share of queries
    whose farthest same-class item is nearer than their nearest other-class item."""
    n = len(labels)
    chosen = np.arange(n)
    if queries is not None and queries < n:
        chosen = np.sort(np.random.default_rng(seed).permutation(n)[:queries])
    neighbours = NearestNeighbors(n_neighbors=2, metric="cosine", algorithm="brute").fit(embeddings)
    _, index = neighbours.kneighbors(embeddings[chosen])
    # the nearest item is the query itself unless an exact duplicate comes first: take the first that is not it
    first_other = np.where(index[:, 0] == chosen, index[:, 1], index[:, 0])
    recall_at_1 = float((labels[first_other] == labels[chosen]).mean())
    e, lab, rows = torch.from_numpy(embeddings).float(), torch.from_numpy(labels), torch.from_numpy(chosen)
    similarity = e[rows] @ e.T
    others = torch.ones_like(similarity, dtype=torch.bool)
    others[torch.arange(len(rows)), rows] = False  # the query is not its own neighbour
    relevant = (lab[rows][:, None] == lab[None, :]) & others
    similarity[~others] = -3.0  # below every cosine: the query ranks last and is not relevant
    mean_ap = average_precisions(similarity, relevant).mean().item()
    farthest_same = torch.where(relevant, similarity, torch.inf).min(-1).values
    nearest_other = torch.where(~relevant & others, similarity, -torch.inf).max(-1).values
    return {
        "queries": len(chosen),
        "gallery": n,
        "recall_at_1": recall_at_1,
        "map": mean_ap,
        "separation": (farthest_same > nearest_other).double().mean().item(),
    }


# --------------------------------------------------------------------------- one training run


def train_and_evaluate(data: dict, margin: float, settings: dict, seed: int, log=None) -> tuple[dict, object]:
    """AM-softmax with margin m on the training classes (kexue.classify's loop; the closed-set test accuracy every
    epoch), then closed-set retrieval among the test images of the training classes, open-set retrieval among
    those of the held-out classes, and the adaptive-margin estimate from the training embeddings.
    `settings`: hidden, embedding, scale, epochs, batch_size, lr, queries, query_seed."""
    x_train, y_train = data["train"]
    classes = int(y_train.max()) + 1
    scale = settings["scale"]
    model, history = classify.train(
        lambda: CosineClassifier([x_train.shape[1], *settings["hidden"], settings["embedding"]], classes),
        lambda cosines, y: am_softmax_loss(cosines, y, scale, margin),
        data["train"],
        seed=seed,
        evaluate={"test": data["closed"]},
        log=log,
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
    )
    model.eval()
    with torch.no_grad():
        found = {
            name: retrieval(
                model.embed(data[name][0]).numpy(), data[name][1].numpy(), settings["queries"], settings["query_seed"]
            )
            for name in ("closed", "open")
        }
    metrics = classify.summary(history, model) | {
        "margin": margin,
        "seed": seed,
        "closed_accuracy": history["test_accuracy"].iloc[-1],
        "retrieval": found,
        "adaptive": adaptive_margin(classify.predict(model, x_train), y_train),
    }
    return metrics, history
