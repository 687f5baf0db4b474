"""Per task: every run's held-out metrics, the per-arm means, and the numbers claims C3.1–C3.4 are decided on."""

from pathlib import Path

import pandas as pd

from kexue.jobs import Job, read_json, write_runs_usage
from kexue.vae_bn import training as vae_training

job = Job(snakemake)
roles, task, s = snakemake.params.roles, snakemake.wildcards.task, snakemake.params.settings
records = [read_json(p) for p in snakemake.input.runs]


def end_min_var(path) -> float:
    """The median over a run's last 10 % of steps of min_j v_j, the smallest pre-normalisation batch variance:
    far below the normaliser's ε (1e-5 for bn, ln) the floor γ²·v/(v + ε) is gone (trap T1)."""
    steps = pd.read_csv(Path(path).parent / "steps.csv")
    return float(steps["min_var"].tail(max(1, len(steps) // 10)).median())


runs = pd.DataFrame(
    [
        {
            "arm": r["arm"],
            "head": r["head"],
            "seed": r["seed"],
            "nominal_floor": r["nominal_floor"],
            "steps": r["steps"],
            "violations": r["violations"],
            "end_min_var": end_min_var(p),
            **r["test"],
        }
        for p, r in zip(snakemake.input.runs, records, strict=True)
    ]
)
numeric = (
    ["kl", "nominal_floor", "active_units", "mi", "neg_elbo", "nll"]
    + (["ppl"] if "ppl" in runs else [])
    + ["end_min_var"]
)
arms = runs.groupby("arm", sort=False)[numeric].agg(["mean", "std"])
arms.columns = [f"{c}_{stat}" for c, stat in arms.columns]
arms.insert(0, "seeds", runs.groupby("arm", sort=False).size())
job.table(snakemake.output.runs_table, runs)
job.table(snakemake.output.arms_table, arms.reset_index())

su_runs = [r for r in records if r["moments"]]
model, train = s["model"], s["train"]
width = (
    f"embed {model['embed']}, hidden {model['hidden']}"
    if task == "ptb"
    else f"MLP {model['hidden']}, PixelCNN {model['layers']}×{model['channels']}"
)
job.metrics(
    snakemake.output.metrics,
    {
        "task": task,
        "scale": f"CPU proxy: {width}, latent {model['latent']}; {s['data']['train']} training examples, "
        f"{train['epochs']} epochs, {train['optimizer']}; IW K = {s['eval']['iw_samples']}",
        "c3_1": {
            "violations": int(runs["violations"].sum()),
            "steps": int(runs["steps"].sum()),
            "runs": len(runs),
            "nominal_checked_steps": sum(r["nominal_checked_steps"] for r in records),
            "min_floor_margin": min(r["min_floor_margin"] for r in records),
        },
        # Su's head only: the largest error of each identity over all steps of all its runs
        "c3_2": {key: max(r["moments"][key] for r in su_runs) for key in (su_runs[0]["moments"] if su_runs else [])}
        | {"runs": len(su_runs)},
        "c3_3": vae_training.collapse_metrics(runs, roles["vanilla"], roles["bn"]),
        "c3_4": vae_training.bn_vs_ln_metrics(runs, **roles["bn_vs_ln"]),
        # informational: arms whose held-out KL ended below half their nominal floor (v driven under ε, trap T1)
        "below_half_floor": [
            arm
            for arm, row in arms.iterrows()
            if row["nominal_floor_mean"] > 0 and row["kl_mean"] < 0.5 * row["nominal_floor_mean"]
        ],
        "arms": arms.reset_index().to_dict("records"),
    },
)

# the training runs' cost, in Snakemake's benchmark columns, for the report's runtime table
write_runs_usage(snakemake.output.usage, snakemake.input.runs)
