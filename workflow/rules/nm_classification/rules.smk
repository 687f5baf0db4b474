# A failed attempt: n m-way classifications (kexue.fm 9158): brief shared/articles/nm_classification_9158.md
#   exact    free-logit checks (float64, BFGS) and the m = 2 reduction      (loss1_soft_not_softmax, loss3_soft_exact, m2_reduces)
#   run      the synthetic linear task, one job per (prior ratio R, seed), every loss and model (kexue.classify's loop)
#   summary  accuracies, macro recall against R                             (loss1_hard_ok, loss3_hard_poor, log_balances)
NMC = config["nm_classification"]
NMC_OUT = f"{R}/nm_classification"
NMC_TASK = NMC["linear_task"]
NMC_RUNS = expand(
    f"{W}/nm_classification/runs/R{{ratio}}_s{{seed}}/metrics.json",
    ratio=[num(r) for r in NMC_TASK["ratios"]],
    seed=NMC_TASK["seeds"],
)

ARTICLE_OUTPUTS["nm_classification"] = [
    f"{NMC_OUT}/tables/free_logit.csv",
    f"{NMC_OUT}/tables/linear_task.csv",
    f"{NMC_OUT}/figures/free_logit.png",
    f"{NMC_OUT}/figures/accuracy.png",
    f"{NMC_OUT}/figures/imbalance.png",
]

ARTICLE_BENCHMARKS["nm_classification"] = [
    benchmark("nm_classification", name) for name in ["exact", "summary", "figures"]
] + [f"{NMC_OUT}/benchmarks/runs.tsv"]


rule nm_classification:
    """Everything for the n m-way classification article: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["nm_classification"],
        f"{NMC_OUT}/verdicts.csv",
        f"{NMC_OUT}/REPORT.md",


rule nm_classification_exact:
    """Free-logit checks of loss-1 and loss-3 with soft labels, and the m = 2 reduction (seconds)."""
    output:
        f"{NMC_OUT}/metrics/exact.json",
    log:
        f"{W}/nm_classification/logs/exact.log",
    benchmark:
        benchmark("nm_classification", "exact")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        settings=NMC["free_logit"],
    script:
        "../../../scripts/nm_classification/exact.py"


rule nm_classification_run:
    """One prior ratio and seed of the linear task: every loss × model, history.csv and metrics."""
    output:
        metrics=f"{W}/nm_classification/runs/R{{ratio}}_s{{seed}}/metrics.json",
        history=f"{W}/nm_classification/runs/R{{ratio}}_s{{seed}}/history.csv",
    log:
        f"{W}/nm_classification/logs/runs/R{{ratio}}_s{{seed}}.log",
    wildcard_constraints:
        ratio=r"[0-9.e+]+",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: NMC_TASK["threads"]
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        task={k: NMC_TASK[k] for k in ("dim", "heads", "classes", "n_train", "n_test", "task_seed")},
        losses=NMC_TASK["losses"],
        models=NMC_TASK["models"],
        training={k: NMC_TASK[k] for k in ("epochs", "batch_size", "lr", "weight_decay")},
    script:
        "../../../scripts/nm_classification/run.py"


rule nm_classification_summary:
    """Seed means per (R, loss, model), the hard-label comparisons at R = 1 and the imbalance sweep."""
    input:
        NMC_RUNS,
    output:
        metrics=f"{NMC_OUT}/metrics/linear_task.json",
        runs=f"{NMC_OUT}/benchmarks/runs.tsv",
    log:
        f"{W}/nm_classification/logs/summary.log",
    benchmark:
        benchmark("nm_classification", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        decide_on=NMC_TASK["decide_on"],
    script:
        "../../../scripts/nm_classification/summary.py"


rule nm_classification_figures:
    """Tables and figures from the metrics only."""
    input:
        exact=f"{NMC_OUT}/metrics/exact.json",
        linear_task=f"{NMC_OUT}/metrics/linear_task.json",
    output:
        free_logit_table=f"{NMC_OUT}/tables/free_logit.csv",
        linear_task_table=f"{NMC_OUT}/tables/linear_task.csv",
        free_logit=figure(f"{NMC_OUT}/figures/free_logit.png", "free_logit.rst", "nm_classification"),
        accuracy=figure(f"{NMC_OUT}/figures/accuracy.png", "accuracy.rst", "nm_classification"),
        imbalance=figure(f"{NMC_OUT}/figures/imbalance.png", "imbalance.rst", "nm_classification"),
    log:
        f"{W}/nm_classification/logs/figures.log",
    benchmark:
        benchmark("nm_classification", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/nm_classification/figures.py"
