"""collapse_ablation and mean_target: every run's final collapse measures, and the claims' quantities."""

import numpy as np

from kexue import simsiam as ss
from kexue.jobs import Job, read_json

job = Job(snakemake)
runs = [read_json(path) for path in snakemake.input.runs]
by_variant = {v: sorted((r for r in runs if r["variant"] == v), key=lambda r: r["seed"]) for v in ss.TRAIN_VARIANTS}


def per_variant(rs: list) -> dict:
    epochs = len(rs[0]["curve"])
    return {
        "seeds": [r["seed"] for r in rs],
        "output_std_sqrt_d": [r["output_std_sqrt_d"] for r in rs],
        "effective_rank": [r["effective_rank"] for r in rs],
        "knn_accuracy": [r["knn_accuracy"] for r in rs],
        "mean_knn_accuracy": float(np.mean([r["knn_accuracy"] for r in rs])),
        "loss_curve": [float(np.mean([r["curve"][e]["loss"] for r in rs])) for e in range(epochs)],
        "std_curve": [
            float(np.mean([r["curve"][e]["output_std"] for r in rs])) * np.sqrt(rs[0]["dim"]) for e in range(epochs)
        ],
        "effective_rank_curve": [float(np.mean([r["curve"][e]["effective_rank"] for r in rs])) for e in range(epochs)],
    }


variants = {v: per_variant(rs) for v, rs in by_variant.items() if rs}
ablations = ("no_stop_gradient", "no_predictor")
sim = variants["simsiam"]
p = snakemake.params.settings
job.metrics(
    snakemake.output[0],
    {
        "scale": f"CNN {'-'.join(map(str, p['channels']))} (CPU proxy of 32-64-128), projector {p['channels'][-1]}-"
        f"{p['channels'][-1]}-{p['proj']}, {p['train_images']} MNIST images, {p['epochs']} epochs of batch "
        f"{p['batch_size']} ({runs[0]['steps']} steps), {len(p['seeds'])} seeds",
        "variants": variants,
        "collapse": {
            "dim": runs[0]["dim"],
            "simsiam_min_std_sqrt_d": min(sim["output_std_sqrt_d"]),
            "ablation_max_std_sqrt_d": max(max(variants[v]["output_std_sqrt_d"]) for v in ablations),
            "knn_margin": sim["mean_knn_accuracy"] - max(variants[v]["mean_knn_accuracy"] for v in ablations),
            "knn_margin_per_seed": [
                s - max(a)
                for s, *a in zip(*(variants[v]["knn_accuracy"] for v in ("simsiam", *ablations)), strict=True)
            ],
            "simsiam_loss_curve": sim["loss_curve"],
            "summary": ", ".join(
                f"{v}: std·√d {np.mean(variants[v]['output_std_sqrt_d']):.3f}, "
                f"kNN {variants[v]['mean_knn_accuracy']:.3f}"
                for v in ("simsiam", *ablations)
            ),
        },
        "mean_target": {
            "exploratory": True,
            **{
                v: {
                    "output_std_sqrt_d": float(np.mean(variants[v]["output_std_sqrt_d"])),
                    "effective_rank": float(np.mean(variants[v]["effective_rank"])),
                    "knn_accuracy": variants[v]["mean_knn_accuracy"],
                }
                for v in ("mean_target_stop", "mean_target_both")
            },
            "summary": "; ".join(
                f"{v.removeprefix('mean_target_')}-gradient target: std·√d "
                f"{np.mean(variants[v]['output_std_sqrt_d']):.3f}, effective rank "
                f"{np.mean(variants[v]['effective_rank']):.1f}, kNN {variants[v]['mean_knn_accuracy']:.3f}"
                for v in ("mean_target_stop", "mean_target_both")
            ),
        },
    },
)
