# Shared setup: tier overrides, schema validation, paths and helpers used by every rule file.
import json
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

ARTICLES = {  # article target → title in the report
    "dimension_formula": "The dimension formula n > 8.33 ln N (kexue.fm 7695, 8711)",
    "jl_lemma": "The Johnson–Lindenstrauss lemma and its applications (kexue.fm 8679, 8706)",
    "lion": "Lion versus AdamW (kexue.fm 9473)",
    "whitening": "BERT-whitening with β, γ (kexue.fm 9079, 8069, 8321)",
    "vae_bn": "VAE + BN against KL vanishing (kexue.fm 7381, arXiv 2004.12585)",
}


def deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_config(config: dict) -> None:
    """Defaults, then the tier's overrides (config/tiers/<tier>.yaml), then --config values.

    Always merged onto config/config.yaml's key order, so that the same settings reach a rule as
    the same params whichever way they were given (--config tier=smoke or --configfile)."""
    base = yaml.safe_load(Path(workflow.basedir, "config", "config.yaml").read_text())
    merged = deep_merge(base, config)
    tier = merged.get("tier", "default")
    if tier != "default":
        path = Path(workflow.basedir) / "config" / "tiers" / f"{tier}.yaml"
        if not path.is_file():
            raise WorkflowError(f"config key 'tier': no tier '{tier}' (expected {path.name} in config/tiers/)")
        merged = deep_merge(merged, yaml.safe_load(path.read_text()))
        merged = deep_merge(merged, workflow.config_settings.overwrite_config)
    config.clear()
    config.update(merged)


resolve_config(config)
validate(config, "../../config/schema/config.schema.yaml")

CLAIMS = yaml.safe_load(Path(workflow.basedir, "config", "claims.yaml").read_text())
validate(CLAIMS, "../../config/schema/claims.schema.yaml")
RESOURCES = yaml.safe_load(Path(workflow.basedir, "config", "resources.yaml").read_text())

R = config["results_dir"]
W = config["work_dir"]
RES = config["resources_dir"]

# scripts import the library package from the repository, locally, in conda envs and on a cluster
os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [workflow.basedir, os.getenv("PYTHONPATH")])))
os.environ.setdefault("HF_HUB_OFFLINE", "0" if config["network"] else "1")


def enabled(article: str) -> bool:
    return config[article]["enabled"]


def article_claims(article: str) -> list:
    return [c for c in CLAIMS["claims"] if c["id"].split(".")[0] == article]


def claim_metrics(article: str) -> list:
    """Metrics files the article's claims are decided from."""
    return sorted({f"{R}/{c['metrics']}" for c in article_claims(article) if "metrics" in c})


ARTICLE_OUTPUTS = {}  # article → its tables and figures, filled in by each article's rule file
ARTICLE_BENCHMARKS = {}  # article → its jobs' benchmark files, for the report's runtime table
ARTICLE_REPORT_SECTIONS = {}  # article → metrics files whose "report" entry (title, rows) the report shows


def article_targets() -> list:
    return [f"{R}/{a}/verdicts.csv" for a in ARTICLES if enabled(a)] + [
        out for a in ARTICLES if enabled(a) for out in ARTICLE_OUTPUTS[a]
    ]


def resource(name: str) -> str:
    """The manifest a rule depends on to use resource `name`; its files sit beside it."""
    return f"{RES}/{name}/MANIFEST.json"


def benchmark(article: str, name: str) -> str:
    """Benchmark files live with the article's results: the report's runtime table reads them."""
    return f"{R}/{article}/benchmarks/{name}.tsv"


def figure(path: str, caption: str, article: str):
    """A figure that snakemake --report shows, with its caption and category."""
    return report(path, caption=f"../report/{caption}", category=article)


# ---- Lion (workflow/rules/lion.smk): one training run per path, every hyperparameter in it


def num(x) -> str:
    """A number as it appears in a path: 0.001, 3e-05, 0.3 (Python's %g, 6 significant digits)."""
    return f"{x:g}"


def lion_run(task, optimizer, lr, weight_decay, batch, examples, seed) -> str:
    """The metrics file of one training run; its history.csv sits beside it."""
    return (f"{W}/lion/runs/{task}/{optimizer}_lr{num(lr)}_wd{num(weight_decay)}"
            f"_b{batch}_n{examples}_s{seed}/metrics.json")


def lion_grid_runs(task, optimizer) -> list:
    """The lr × weight-decay grid of one optimizer on one task (the heatmap), at the first transfer seed,
    so that the tuned AdamW cell is also the transfer's first AdamW run."""
    t = config["lion"]["tasks"][task]
    grid, seed = t["grid"][optimizer], config["lion"]["transfer"]["seeds"][0]
    return [lion_run(task, optimizer, lr, wd, t["batch_size"], t["budget_examples"], seed)
            for lr in grid["lr"] for wd in grid["weight_decay"]]


def lion_tuned(task) -> dict:
    """The lion_tuned checkpoint of a task: each optimizer's best grid cell. Calling this from an input
    function plans the jobs that derive from it once the grids are done."""
    return json.loads(Path(checkpoints.lion_tuned.get(task=task).output[0]).read_text())


def lion_transfer_runs(wildcards) -> dict:
    """C2.4: AdamW at its tuned (lr*, λ*) and Lion at (lr*/r, λ*·r), every transfer seed."""
    lion, t = config["lion"], config["lion"]["tasks"][wildcards.task]
    lr, wd = (lion_tuned(wildcards.task)["adamw"][k] for k in ("lr", "weight_decay"))
    batch, examples, seeds = t["batch_size"], t["budget_examples"], lion["transfer"]["seeds"]
    runs = {"adamw": [lion_run(wildcards.task, "adamw", lr, wd, batch, examples, s) for s in seeds]}
    for r in lion["transfer"]["ratios"]:
        runs[f"lion_r{num(r)}"] = [lion_run(wildcards.task, "lion", lr / r, wd * r, batch, examples, s)
                                   for s in seeds]
    runs["histories"] = [path.replace("metrics.json", "history.csv") for paths in runs.values() for path in paths]
    return runs


def lion_batch_sweep_runs(wildcards) -> dict:
    """C2.5: per batch size B and optimizer, a few lrs around the optimizer's tuned lr at the task's
    batch b: lr·√(B/b)·factor (square-root scaling centres the grid; the summary flags a best lr at
    its edge), with the tuned λ, at the sweep's fixed budget of examples."""
    sweep = config["lion"]["batch_sweep"]
    task = sweep["task"]
    tuned, b = lion_tuned(task), config["lion"]["tasks"][task]["batch_size"]
    return {o: [lion_run(task, o, float(f"{tuned[o]['lr'] * (B / b) ** 0.5 * f:.4g}"), tuned[o]["weight_decay"], B,
                         sweep["budget_examples"], sweep["seed"])
                for B in sweep["batch_sizes"] for f in sweep["lr_factors"]]
            for o in ("adamw", "lion")}


# ---- BERT-whitening (workflow/rules/whitening.smk): one encoding per (encoder, task), one evaluation per pooling


def whitening_rows() -> list:
    """(encoder, pooling, task) of every evaluation job, in config order."""
    encoders = config["whitening"]["encoders"]
    return [(e, p, t) for e, spec in encoders.items() for t in spec["tasks"] for p in spec["poolings"]]


def whitening_loader(encoder) -> dict:
    """The settings that decide an encoder's vectors (its `model` or `random_bert`): the encoding jobs'
    params, so that editing its poolings, ks or tasks never re-encodes."""
    spec = config["whitening"]["encoders"][encoder]
    return {key: spec[key] for key in ("model", "random_bert") if key in spec}


def whitening_model_input(encoder) -> dict:
    """{"model": folder} for an entry with `random_bert` (built by rule whitening_random_bert), else {}."""
    spec = config["whitening"]["encoders"][encoder]
    if "random_bert" in spec and "model" in spec:
        raise WorkflowError(f"config whitening.encoders.{encoder}: give `model` or `random_bert`, not both")
    return {"model": f"{W}/whitening/models/{encoder}"} if "random_bert" in spec else {}


def whitening_fit_corpora() -> list:
    """(name, task, split) of every fitting corpus of whitening.fit other than "target": a name is
    <task>-<split>, e.g. stsb-train, whose vectors come from that task's cache."""
    return [(name, *name.rsplit("-", 1)) for name in config["whitening"]["fit"] if name != "target"]


def whitening_embeddings(encoder, task) -> str:
    """The cached vectors of every target sentence of a task, all poolings of the encoder (.npz)."""
    return f"{W}/whitening/embeddings/{encoder}/{task}.npz"


def whitening_scores(encoder, pooling, task) -> str:
    """Spearman × 100 of every (β, γ, k) cell, split and subset of one (encoder, pooling, task)."""
    return f"{W}/whitening/scores/{encoder}/{pooling}/{task}.csv"


def whitening_checks(encoder, pooling, task) -> str:
    """The algebra checks (C1.1, C1.1b) and the C1.7 tuning of one (encoder, pooling, task)."""
    return f"{W}/whitening/scores/{encoder}/{pooling}/{task}.json"


wildcard_constraints:
    N=r"\d+",
    seed=r"\d+",


# ---- VAE + BN (workflow/rules/vae_bn.smk): one training run per (task, arm, seed)


def vae_runs(task) -> list:
    """The metrics files of every run of a task: each arm it names, at seeds 0 … n−1."""
    t = config["vae_bn"]["tasks"][task]
    unknown = sorted(set(t["seeds"]) - set(config["vae_bn"]["arms"]))
    if unknown:
        raise WorkflowError(f"config vae_bn.tasks.{task}.seeds names arms that vae_bn.arms does not define: {unknown}")
    roles = config["vae_bn"]["roles"]
    compared = {roles["vanilla"], *roles["bn"].values(), *roles["bn_vs_ln"].values()}
    short = sorted(arm for arm in compared if t["seeds"].get(arm, 0) < 2)
    if short:
        raise WorkflowError(f"config vae_bn.tasks.{task}.seeds: the arms the claims compare (vae_bn.roles) need "
                            f"≥ 2 seeds each (3 by the brief); too few for {short}")
    return [f"{W}/vae_bn/runs/{task}/{arm}_s{seed}/metrics.json"
            for arm, n in t["seeds"].items() for seed in range(n)]
