"""variance_choice and t_embedding from the ε-MLP runs: seed means of the sample metric, the brief's relative
gaps, the quality against N(0, I) samples, and the mean held-out loss curves the still-improving guard reads."""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from kexue import ddpm
from kexue.jobs import Job, read_json

job = Job(snakemake)
METRIC = {"moons": "sw", "digits": "fd"}  # the decision metric per data set (moons also reports MMD²)
rows, curves = [], {}
for dataset in ("moons", "digits"):
    for path in snakemake.input[dataset]:
        run = read_json(path)
        m = METRIC[dataset]
        row = {"dataset": dataset, "encoding": run["encoding"], "seed": run["seed"], "metric": m}
        row |= {f"{m}_{c}": v[m] for c, v in run["scores"].items()}
        row |= {f"mmd2_{c}": v["mmd2"] for c, v in run["scores"].items() if "mmd2" in v}
        row |= {f"{m}_floor": run["reference"]["floor"][m], f"{m}_gaussian": run["reference"]["gaussian"][m]}
        row["final_eval_loss"] = run["history"][-1]["eval_loss"]
        rows.append(row)
        curves.setdefault((dataset, run["encoding"]), []).append([h["eval_loss"] for h in run["history"]])
runs = pd.DataFrame(rows)
mean_curves = {f"{d}_{e}": np.mean(c, axis=0).tolist() for (d, e), c in curves.items()}


def seed_mean_block(dataset: str, encoding: str) -> pd.DataFrame:
    block = runs[(runs.dataset == dataset) & (runs.encoding == encoding)].sort_values("seed")
    if block.empty:
        job.fail(
            f"no {dataset} runs with the {encoding} t-encoding: variance_choice needs them (ddpm.{dataset}.encodings)"
        )
    return block


variance_choice = {}
for dataset, m in METRIC.items():
    block = seed_mean_block(dataset, "sinusoidal")
    beta, posterior, gaussian = (float(block[f"{m}_{k}"].mean()) for k in ("beta", "posterior", "gaussian"))
    variance_choice[dataset] = {
        "metric": m,
        "beta": beta,
        "posterior": posterior,
        "gap": ddpm.relative_gap(beta, posterior),
        "floor": float(block[f"{m}_floor"].mean()),
        "gaussian": gaussian,
        "quality_ratio": max(beta, posterior) / gaussian,
        "per_seed": {k: block[f"{m}_{k}"].tolist() for k in ("beta", "posterior")},
        "seeds": block["seed"].tolist(),
    }
    job.log.info("variance choice, %s: %s", dataset, variance_choice[dataset])

metrics = {
    "scale": "CPU proxy: small ε-MLPs on 2-D moons and 8×8 digits (the brief's default-tier setting, sized down)",
    "variance_choice": variance_choice,
    "curves": mean_curves,
    "runs": rows,
}
encodings = set(runs[runs.dataset == "moons"].encoding)
if {"sinusoidal", "learned"} <= encodings:
    # t_embedding on moons, σ_t = β_t sampler: the brief's gap of the seed means, and its standard error
    per = {e: seed_mean_block("moons", e)["sw_beta"].to_numpy() for e in ("sinusoidal", "learned")}
    means = {e: float(v.mean()) for e, v in per.items()}
    ses = {e: float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else math.inf for e, v in per.items()}
    gaussian = float(runs[runs.dataset == "moons"]["sw_gaussian"].mean())
    metrics["t_embedding"] = {
        "metric": "sw (σ_t = β_t)",
        **means,
        "gap": ddpm.relative_gap(means["sinusoidal"], means["learned"]),
        "gap_se": math.hypot(ses["sinusoidal"], ses["learned"]) / min(means.values()),
        "quality_ratio": max(means.values()) / gaussian,
        "per_seed": {e: v.tolist() for e, v in per.items()},
        "curves": {e: mean_curves[f"moons_{e}"] for e in ("sinusoidal", "learned")},
    }
    job.log.info("t-embedding: %s", {k: v for k, v in metrics["t_embedding"].items() if k != "curves"})
# the seed-0 samples of every run (a subset), so that the figures read metrics only (restyling never retrains)
metrics["samples"] = {}
for path in snakemake.input.samples:
    key, arrays = Path(path).stem, np.load(path)
    keep = 500 if key.startswith("moons") else 16
    metrics["samples"][key] = {name: arrays[name][:keep].round(4).tolist() for name in arrays.files}
job.metrics(snakemake.output[0], metrics)
