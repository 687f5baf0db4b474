"""Claims segmentation and demos: thresholds chosen on the dev split (impact: a quantile grid of its d values;
bigram PMI: a grid in nats), then fixed and scored once on the test split by span matching, beside every character
a word; the demos at the article's threshold (where the model is the article's) and at the dev-tuned one; the
parse trees of the demos."""

import numpy as np

from kexue import perturbed_masking as pm
from kexue import segmentation as seg
from kexue.jobs import Job, read_json, resource_folder
from kexue.sources import read_peoples_daily
from kexue.zh_bert import peoples_daily_split

job = Job(snakemake)
p = job.params
impact = read_json(snakemake.input.impact)
lines = read_peoples_daily(resource_folder(snakemake.input.corpus) / "199801.txt")
train = peoples_daily_split(lines, p["train_fraction"])["train"]
counts = seg.count_ngrams(["".join(words) for words in train], 2)  # the PMI baseline's counts: training lines only
total = sum(c for g, c in counts.items() if len(g) == 1)


def gold_and_texts(split):
    return [r["words"] for r in impact[split]], ["".join(r["words"]) for r in impact[split]]


def impact_words(split, threshold):
    return [
        pm.segment(t, np.array(r["d"]), threshold) for t, r in zip(gold_and_texts(split)[1], impact[split], strict=True)
    ]


def pmi_words(split, threshold):
    return [seg.pmi_join(t, counts, total, threshold) for t in gold_and_texts(split)[1]]


def impact_f1(split, threshold):
    return seg.score(gold_and_texts(split)[0], impact_words(split, threshold))


def pmi_f1(split, threshold):
    return seg.score(gold_and_texts(split)[0], pmi_words(split, threshold))


# --- choose on dev ---
dev_d = np.concatenate([r["d"] for r in impact["dev"]])
impact_grid = [
    {"quantile": q, "threshold": float(np.quantile(dev_d, q)), **impact_f1("dev", float(np.quantile(dev_d, q)))}
    for q in p["quantiles"]
]
best_impact = max(impact_grid, key=lambda r: r["f1"])
pmi_grid = [{"threshold": t, **pmi_f1("dev", t)} for t in p["pmi_thresholds"]]
best_pmi = max(pmi_grid, key=lambda r: r["f1"])
matched = pm.length_matched_threshold([np.array(r["d"]) for r in impact["dev"]], gold_and_texts("dev")[0])
job.log.info(
    "dev: impact best q %.2f (threshold %.4g) F1 %.4f; PMI best %.2f F1 %.4f",
    best_impact["quantile"],
    best_impact["threshold"],
    best_impact["f1"],
    best_pmi["threshold"],
    best_pmi["f1"],
)

# --- score once on test ---
gold, texts = gold_and_texts("test")
test = {
    "impact": {"threshold": best_impact["threshold"], **impact_f1("test", best_impact["threshold"])},
    "pmi": {"threshold": best_pmi["threshold"], **pmi_f1("test", best_pmi["threshold"])},
    "single": seg.score(gold, [seg.every_character(t) for t in texts]),
    "length_matched": {"threshold": matched, **impact_f1("test", matched)},
}
if p["article_threshold"] is not None:
    test["article_threshold"] = {"threshold": p["article_threshold"], **impact_f1("test", p["article_threshold"])}
# the gains' standard errors over test sentences resampled (paired), which the claim's guard reads
per_sentence = {
    "impact": pm.span_counts(gold, impact_words("test", best_impact["threshold"])),
    "pmi": pm.span_counts(gold, pmi_words("test", best_pmi["threshold"])),
    "single": pm.span_counts(gold, [seg.every_character(t) for t in texts]),
}
gain_se = {
    name: pm.bootstrap_gain_se(per_sentence["impact"], per_sentence[name], **p["bootstrap"])
    for name in ("single", "pmi")
}
job.log.info("test F1: %s", {k: round(v["f1"], 4) for k, v in test.items()})

# --- demos and parse trees ---
demos = []
for r in impact["demos"]:
    text, d = "".join(r["words"]), np.array(r["d"])
    row = {
        "text": text,
        "article": "/".join(r["words"]),
        "tuned": "/".join(pm.segment(text, d, best_impact["threshold"])),
    }
    row["agreement_tuned"] = pm.boundary_agreement(r["words"], row["tuned"].split("/"))
    if p["article_threshold"] is not None:
        row["article_threshold"] = p["article_threshold"]
        row["at_article_threshold"] = "/".join(pm.segment(text, d, p["article_threshold"]))
        row["agreement_at_article_threshold"] = pm.boundary_agreement(
            r["words"], row["at_article_threshold"].split("/")
        )
    row["tree"] = pm.tree_string(pm.parse(np.array(r["f"])), text)
    demos.append(row)
demo_metrics = {"rows": demos, "min_agreement_tuned": min(r["agreement_tuned"] for r in demos)}
if p["article_threshold"] is not None:
    demo_metrics["min_agreement_at_article_threshold"] = min(r["agreement_at_article_threshold"] for r in demos)

# --- the mechanism check (the claim's precondition): the MLM restores singly masked characters of the scored
# sentences far better than always guessing the training text's most frequent character ---
top_char = max((g for g in counts if len(g) == 1), key=lambda g: (counts[g], g))
pairs = [
    (ok, c)
    for split in ("dev", "test")
    for r in impact[split]
    for ok, c in zip(r["restored"], "".join(r["words"]), strict=True)
    if ok is not None
]
model_check = {
    "masked_char_accuracy": float(np.mean([ok for ok, _ in pairs])),
    "unigram_accuracy": float(np.mean([c == top_char for _, c in pairs])),
    "unigram_char": top_char,
    "positions": len(pairs),
}
model_check["context_ratio"] = model_check["masked_char_accuracy"] / max(model_check["unigram_accuracy"], 1e-12)
job.log.info("mechanism check: %s", model_check)

unknown = sum(r["unknown_chars"] for split in ("dev", "test") for r in impact[split])
chars = sum(len("".join(r["words"])) for split in ("dev", "test") for r in impact[split])
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{p['model_label']}, {len(impact['dev'])} dev / {len(impact['test'])} test sentences",
        "stand_in": p["stand_in"],
        "model_short": p["model_short"],
        "model": impact["model"],
        "unknown_char_fraction": unknown / chars,
        "model_check": model_check,
        "impact_grid": impact_grid,
        "pmi_grid": pmi_grid,
        "impact_choice": {"best": best_impact["quantile"], "grid": p["quantiles"]},
        "pmi_choice": {"best": best_pmi["threshold"], "grid": p["pmi_thresholds"]},
        "test": test,
        "gain_over_single": test["impact"]["f1"] - test["single"]["f1"],
        "gain_over_pmi": test["impact"]["f1"] - test["pmi"]["f1"],
        "gain_over_single_se": gain_se["single"],
        "gain_over_pmi_se": gain_se["pmi"],
        "demos": demo_metrics,
        "report": {
            "title": "Parse trees of the demo sentences (claim parsing, report-only) and test F1",
            "rows": [{"quantity": f"tree: {r['text'][:12]}…", "value": r["tree"]} for r in demos]
            + [{"quantity": f"test F1, {k}", "value": f"{v['f1']:.4f}"} for k, v in test.items()],
        },
    },
)
