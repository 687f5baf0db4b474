# Gradient accumulation hidden in momentum (kexue.fm 8634): brief shared/articles/momentum_accumulation_8634.md
#   exact     SGDM in-momentum accumulation vs a buffer (float64), β̃ weights    (sgdm_exact, beta_tilde)
#   train     six Adam variants on MNIST, one job per lr (regime)              (adam_similar, fewer_updates)
#   summary   the noise-dominated regime and the claims' quantities
MA = config["momentum_accumulation"]
MA_OUT = f"{R}/momentum_accumulation"
MA_LRS = [num(lr) for lr in MA["training"]["lrs"]]

ARTICLE_OUTPUTS["momentum_accumulation"] = [
    f"{MA_OUT}/tables/identity.csv",
    f"{MA_OUT}/tables/beta_tilde.csv",
    f"{MA_OUT}/tables/training.csv",
    f"{MA_OUT}/figures/exact.png",
    f"{MA_OUT}/figures/training.png",
]

ARTICLE_BENCHMARKS["momentum_accumulation"] = [
    benchmark("momentum_accumulation", name)
    for name in ["exact", "summary", "figures"] + [f"train_lr{lr}" for lr in MA_LRS]
]


rule momentum_accumulation:
    """Everything for the momentum-accumulation article: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["momentum_accumulation"],
        f"{MA_OUT}/verdicts.csv",
        f"{MA_OUT}/REPORT.md",


rule momentum_accumulation_exact:
    """Part A: the SGDM identity and the β̃ weights (seconds)."""
    output:
        identity=f"{MA_OUT}/metrics/identity.json",
        beta_tilde=f"{MA_OUT}/metrics/beta_tilde.json",
    log:
        f"{W}/momentum_accumulation/logs/exact.log",
    benchmark:
        benchmark("momentum_accumulation", "exact")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        identity=MA["identity"],
        beta_tilde=MA["beta_tilde"],
    script:
        "../../../scripts/momentum_accumulation/exact.py"


rule momentum_accumulation_train:
    """Part B: one lr, every variant and seed (one pass over the images each)."""
    input:
        resource("mnist"),
    output:
        f"{W}/momentum_accumulation/runs/lr{{lr}}.json",
    log:
        f"{W}/momentum_accumulation/logs/train_lr{{lr}}.log",
    benchmark:
        benchmark("momentum_accumulation", "train_lr{lr}")
    wildcard_constraints:
        lr=r"[0-9.e+-]+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: MA["training"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        **{k: v for k, v in MA["training"].items() if k not in ("lrs", "threads")},
    script:
        "../../../scripts/momentum_accumulation/train.py"


rule momentum_accumulation_summary:
    input:
        runs=expand(f"{W}/momentum_accumulation/runs/lr{{lr}}.json", lr=MA_LRS),
    output:
        f"{MA_OUT}/metrics/training.json",
    log:
        f"{W}/momentum_accumulation/logs/summary.log",
    benchmark:
        benchmark("momentum_accumulation", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        **{k: v for k, v in MA["training"].items() if k not in ("lrs", "threads")},
    script:
        "../../../scripts/momentum_accumulation/summary.py"


rule momentum_accumulation_figures:
    """Tables and figures from the metrics only."""
    input:
        identity=f"{MA_OUT}/metrics/identity.json",
        beta_tilde=f"{MA_OUT}/metrics/beta_tilde.json",
        training=f"{MA_OUT}/metrics/training.json",
    output:
        identity_table=f"{MA_OUT}/tables/identity.csv",
        beta_tilde_table=f"{MA_OUT}/tables/beta_tilde.csv",
        training_table=f"{MA_OUT}/tables/training.csv",
        exact=figure(f"{MA_OUT}/figures/exact.png", "exact.rst", "momentum_accumulation"),
        training=figure(f"{MA_OUT}/figures/training.png", "training.rst", "momentum_accumulation"),
    log:
        f"{W}/momentum_accumulation/logs/figures.log",
    benchmark:
        benchmark("momentum_accumulation", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/momentum_accumulation/figures.py"
