"""The properties of part 5 from the trained vectors: norm importance (and GloVe's opposite), truncation,
analogies, keywords; the similarity identity on random vectors."""

import json
from pathlib import Path

import numpy as np
from scipy import sparse

from kexue import corpus
from kexue import simpler_glove as sg
from kexue.encoders import load_glove
from kexue.jobs import Job, read_json, resource_folder

job = Job(snakemake)
p = snakemake.params
vocab = json.loads(Path(snakemake.input.vocab).read_text())
index = {w: i for i, w in enumerate(vocab)}
counts = sparse.load_npz(snakemake.input.counts)
log_prob = sg.log_marginals(counts)
runs = {}
for path, curve_path in zip(snakemake.input.vectors, snakemake.input.curves, strict=True):
    model, seed = Path(path).parent.name, int(Path(path).stem.removeprefix("seed"))
    runs[model, seed] = {"vectors": np.load(path), "curve": read_json(curve_path)["curve"]}
models = ("simpler", "simpler_truncated", "glove")
seeds = {m: sorted(s for model, s in runs if model == m) for m in models}
n = p.norm

# --- norm importance, GloVe's opposite, truncation ---
norms = {
    m: [sg.norm_importance(runs[m, s]["vectors"], log_prob, vocab, n["top"], n["bottom"]) for s in seeds[m]]
    for m in models
}
glove = load_glove()
pretrained = np.asarray(glove.vectors[: n["top"]], dtype=np.float64)
pretrained_words = sorted(glove.index, key=glove.index.get)[: n["top"]]
# GloVe-6B ships no frequencies: its row order is the frequency rank, and −log P grows with the rank
pretrained_norm = sg.norm_importance(
    pretrained, -np.log(np.arange(1, n["top"] + 1)), pretrained_words, n["top"], n["bottom"]
)
frequent = {
    m: [sg.frequent_in_bottom(runs[m, s]["vectors"], n["top_frequent"], n["bottom"], n["top"]) for s in seeds[m]]
    for m in ("simpler", "simpler_truncated")
}
for m in models:
    job.log.info(
        "%s: Spearman %s; bottom: %s",
        m,
        [round(r["spearman"], 3) for r in norms[m]],
        " ".join(norms[m][0]["bottom"][:20]),
    )
job.log.info("pretrained GloVe: Spearman(‖v‖², rank) %.3f", pretrained_norm["spearman"])


def mean_rho(model):
    return float(np.mean([r["spearman"] for r in norms[model]]))


# --- analogies ---
questions = sg.read_analogies((resource_folder(snakemake.input.analogies) / "questions-words.txt").read_text())
analogy = {m: [sg.analogy_accuracy(runs[m, s]["vectors"], index, questions) for s in seeds[m]] for m in models}
covered = analogy["simpler"][0][1]
job.log.info(
    "analogies (%d of %d covered): %s",
    covered,
    len(questions),
    {m: [round(a, 4) for a, _ in v] for m, v in analogy.items()},
)
# per seed: the truncated simpler glove against GloVe trained from the same seed
common = [s for s in seeds["simpler_truncated"] if s in seeds["glove"]]
accuracy = {m: dict(zip(seeds[m], (a for a, _ in analogy[m]), strict=True)) for m in models}
differences = [accuracy["simpler_truncated"][s] - accuracy["glove"][s] for s in common]

# --- keywords ---
test = corpus.tokenize((resource_folder(snakemake.input.ptb) / "ptb.test.txt").read_text())
sentences = [s for s in test if len({w for w in s if w != corpus.UNK}) >= p.keywords["min_words"]]
sentences = sentences[: p.keywords["sentences"]]
encoded = [[index[w] for w in s if w != corpus.UNK and w in index] for s in sentences]


def keyword_stopword_share(vectors):
    picks = [vocab[i] for ids in encoded for i in sg.keywords(vectors, ids, p.keywords["k"])]
    return sum(w in sg.PTB_STOPWORDS for w in picks) / len(picks)


keyword_share = {m: [keyword_stopword_share(runs[m, s]["vectors"]) for s in seeds[m]] for m in ("simpler", "glove")}
examples = [
    {
        "sentence": " ".join(sentences[i]),
        **{
            m: " ".join(vocab[j] for j in sg.keywords(runs[m, seeds[m][0]]["vectors"], encoded[i], p.keywords["k"]))
            for m in ("simpler", "glove")
        },
    }
    for i in range(5)
]
job.log.info("keywords: stopword share %s; e.g. %s", keyword_share, examples[0])

# --- the similarity identity ---
identity = sg.similarity_identity_check(
    np.random.default_rng(p.identity["seed"]), **{k: v for k, v in p.identity.items() if k != "seed"}
)

job.metrics(
    snakemake.output[0],
    {
        "scale": f"PTB train (10k words), window {p.window}, dim {p.dim}, seeds per model {seeds}",
        "seeds": seeds,
        "curves": {m: runs[m, seeds[m][0]]["curve"] for m in models},
        "norms": {
            m: {
                "spearman": [r["spearman"] for r in norms[m]],
                "bottom_stopword_share": [r["bottom_stopword_share"] for r in norms[m]],
                "bottom": norms[m][0]["bottom"],
            }
            for m in models
        },
        "pretrained": pretrained_norm,
        "norm_importance": {
            "min_spearman": min(r["spearman"] for r in norms["simpler"]),
            "min_bottom_stopword_share": min(r["bottom_stopword_share"] for r in norms["simpler"]),
        },
        "glove_opposite": {
            "gap_same_counts": mean_rho("simpler") - mean_rho("glove"),
            "gap_pretrained": mean_rho("simpler") - pretrained_norm["spearman"],
        },
        "truncation": {
            "frequent_in_bottom": frequent,
            # each truncated seed against the untruncated model's mean
            "differences": [float(np.mean(frequent["simpler"])) - t for t in frequent["simpler_truncated"]],
            "mean_difference": float(np.mean(frequent["simpler"]) - np.mean(frequent["simpler_truncated"])),
        },
        "analogy": {
            "questions": len(questions),
            "covered": covered,
            "accuracy": {m: [a for a, _ in v] for m, v in analogy.items()},
            "seeds_compared": common,
            "differences": differences,
        },
        "keywords": {
            "sentences": len(sentences),
            "stopword_share": keyword_share,
            "simpler_share": float(np.mean(keyword_share["simpler"])),
            "glove_minus_simpler": float(np.mean(keyword_share["glove"]) - np.mean(keyword_share["simpler"])),
            "examples": examples,
        },
        "identity": identity,
    },
)
