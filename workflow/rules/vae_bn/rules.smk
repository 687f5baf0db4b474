# VAE + BN against KL vanishing (kexue.fm 7381, arXiv 2004.12585): brief shared/articles/vae_bn.md
#   data           PTB sentences (word ids) or binarised MNIST, once per task
#   runs           one training job per (task, arm, seed): the KL floor checked at every step (C3.1, C3.2),
#                  held-out KL, AU, MI, IW-NLL, PPL in eval mode
#   summary        per task: runs and per-arm means, the collapse comparison (C3.3) and BN vs LN (C3.4)
#   step benchmark bench/vae_step.py: our training step against a plain loop of the same model
VAE = config["vae_bn"]
VAE_OUT = f"{R}/vae_bn"
VAE_TASKS = list(VAE["tasks"])

ARTICLE_OUTPUTS["vae_bn"] = [
    *expand(f"{VAE_OUT}/tables/runs_{{task}}.csv", task=VAE_TASKS),
    *expand(f"{VAE_OUT}/tables/arms_{{task}}.csv", task=VAE_TASKS),
    *expand(f"{VAE_OUT}/tables/nll_vs_k_{{task}}.csv", task=VAE_TASKS),
    f"{VAE_OUT}/tables/step_benchmark.csv",
    f"{VAE_OUT}/figures/kl_bound.png",
    f"{VAE_OUT}/figures/arms.png",
    f"{VAE_OUT}/figures/nll_vs_k.png",
]

ARTICLE_REPORT_SECTIONS["vae_bn"] = [f"{VAE_OUT}/metrics/step_benchmark.json"]

ARTICLE_BENCHMARKS["vae_bn"] = [
    *(benchmark("vae_bn", f"{name}_{task}") for name in ["data", "summary"] for task in VAE_TASKS),
    benchmark("vae_bn", "step_benchmark"),
    benchmark("vae_bn", "figures"),
    # the training runs' own wall time, CPU time and peak memory, gathered by the summaries
    *(f"{VAE_OUT}/benchmarks/runs_{task}.tsv" for task in VAE_TASKS),
]


rule vae_bn:
    """Everything for VAE + BN: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["vae_bn"],
        f"{VAE_OUT}/verdicts.csv",
        f"{VAE_OUT}/REPORT.md",


rule vae_bn_data:
    """The task's examples as tensors, once for all runs."""
    input:
        lambda wc: resource({"ptb": "ptb", "mnist": "mnist"}[wc.task]),
    output:
        f"{W}/vae_bn/data/{{task}}.pt",
    log:
        f"{W}/vae_bn/logs/data_{{task}}.log",
    benchmark:
        benchmark("vae_bn", "data_{task}")
    wildcard_constraints:
        task="ptb|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=lambda wc: VAE["tasks"][wc.task]["data"],
    script:
        "../../../scripts/vae_bn/data.py"


rule vae_bn_train:
    """One run: train with the floor check at every step, then the held-out metrics."""
    input:
        data=f"{W}/vae_bn/data/{{task}}.pt",
    output:
        metrics=f"{W}/vae_bn/runs/{{task}}/{{arm}}_s{{seed}}/metrics.json",
        steps=f"{W}/vae_bn/runs/{{task}}/{{arm}}_s{{seed}}/steps.csv",
        epochs=f"{W}/vae_bn/runs/{{task}}/{{arm}}_s{{seed}}/epochs.csv",
    log:
        f"{W}/vae_bn/logs/runs/{{task}}/{{arm}}_s{{seed}}.log",
    wildcard_constraints:
        task="ptb|mnist",
        arm=r"[a-z]+[0-9.]*",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: VAE["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        arm=lambda wc: VAE["arms"][wc.arm],
        task=lambda wc: {key: VAE["tasks"][wc.task][key] for key in ("model", "train", "eval")},
    script:
        "../../../scripts/vae_bn/train.py"


rule vae_bn_summary:
    """Per task: runs, per-arm means and the numbers of claims C3.1–C3.4."""
    input:
        runs=lambda wc: vae_bn_runs(wc.task),
    output:
        metrics=f"{VAE_OUT}/metrics/{{task}}.json",
        runs_table=f"{VAE_OUT}/tables/runs_{{task}}.csv",
        arms_table=f"{VAE_OUT}/tables/arms_{{task}}.csv",
        iw_table=f"{VAE_OUT}/tables/nll_vs_k_{{task}}.csv",
        usage=f"{VAE_OUT}/benchmarks/runs_{{task}}.tsv",
    log:
        f"{W}/vae_bn/logs/summary_{{task}}.log",
    benchmark:
        benchmark("vae_bn", "summary_{task}")
    wildcard_constraints:
        task="ptb|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        roles=VAE["roles"],
        settings=lambda wc: VAE["tasks"][wc.task],
    script:
        "../../../scripts/vae_bn/summary.py"


rule vae_bn_step_benchmark:
    """bench/vae_step.py: epoch time of our training step against a plain loop, on all of the job's threads."""
    input:
        "bench/vae_step.py",
    output:
        f"{VAE_OUT}/metrics/step_benchmark.json",
    log:
        f"{W}/vae_bn/logs/step_benchmark.log",
    benchmark:
        benchmark("vae_bn", "step_benchmark")
    conda:
        "../../../envs/pipeline.yaml"
    threads: VAE["step_benchmark"]["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        settings=VAE["step_benchmark"],
    script:
        "../../../scripts/vae_bn/step_benchmark.py"


rule vae_bn_figures:
    """Tables and figures from the runs' step records and the summaries."""
    input:
        tasks=expand(f"{VAE_OUT}/metrics/{{task}}.json", task=VAE_TASKS),
        runs=[run for task in VAE_TASKS for run in vae_bn_runs(task)],
        step_benchmark=f"{VAE_OUT}/metrics/step_benchmark.json",
    output:
        step_table=f"{VAE_OUT}/tables/step_benchmark.csv",
        kl_bound=figure(f"{VAE_OUT}/figures/kl_bound.png", "kl_bound.rst", "vae_bn"),
        arms=figure(f"{VAE_OUT}/figures/arms.png", "arms.rst", "vae_bn"),
        nll_vs_k=figure(f"{VAE_OUT}/figures/nll_vs_k.png", "nll_vs_k.rst", "vae_bn"),
    log:
        f"{W}/vae_bn/logs/figures.log",
    benchmark:
        benchmark("vae_bn", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        tasks=VAE_TASKS,
        roles=VAE["roles"],
    script:
        "../../../scripts/vae_bn/figures.py"
