# Lion versus AdamW (kexue.fm 9473): brief shared/articles/lion.md
#   exact           state tensors, SIGNUM equivalence, Adam's first step          (C2.1–C2.3)
#   runs            one training job per (task, optimizer, lr, λ, batch, budget, seed), history.csv each
#   lion_tuned      each optimizer's best grid cell: a checkpoint, since the transfer and batch-sweep runs derive from it
#   task summary    lr × λ grids of both optimizers + Lion at (lr*/r, λ*·r) over seeds  (C2.4, per task)
#   batch sweep     per (optimizer, B) an lr grid at the tuning seed, then the best lr at the evaluation seeds;
#                   the gap AdamW − Lion against batch size at a fixed example budget (C2.5, on MNIST)
#   step benchmark  optimizer.step() time and state bytes, bench/lion_step.py            (C2.6)
LION = config["lion"]
LION_OUT = f"{R}/lion"
LION_TASKS = list(LION["tasks"])
LION_SWEEP = LION["batch_sweep"]
LION_SWEEP_CELLS = [(o, b) for o in ("adamw", "lion") for b in LION_SWEEP["batch_sizes"]]

ARTICLE_OUTPUTS["lion"] = [
    *expand(f"{LION_OUT}/tables/grid_{{task}}.csv", task=LION_TASKS),
    *expand(f"{LION_OUT}/tables/transfer_{{task}}.csv", task=LION_TASKS),
    f"{LION_OUT}/tables/batch_sweep.csv",
    f"{LION_OUT}/tables/step_time.csv",
    f"{LION_OUT}/figures/exact.png",
    f"{LION_OUT}/figures/curves.png",
    f"{LION_OUT}/figures/heatmaps.png",
    f"{LION_OUT}/figures/transfer.png",
    f"{LION_OUT}/figures/batch_gap.png",
    f"{LION_OUT}/figures/step_time.png",
]

ARTICLE_BENCHMARKS["lion"] = [
    *(benchmark("lion", name) for name in ["exact", "step_benchmark", "figures", "batch_sweep_summary"]),
    *(benchmark("lion", f"{name}_{task}") for name in ["data", "tuned", "summary"] for task in LION_TASKS),
    *(benchmark("lion", f"sweep_{o}_b{b}") for o, b in LION_SWEEP_CELLS),
    # the training runs' own wall time, CPU time and peak memory, gathered by the summaries
    *(f"{LION_OUT}/benchmarks/runs_{task}.tsv" for task in LION_TASKS),
]


rule lion:
    """Everything for Lion vs AdamW: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["lion"],
        f"{LION_OUT}/verdicts.csv",
        f"{LION_OUT}/REPORT.md",


rule lion_data:
    """The task's data as tensors, once: characters of PTB, or MNIST's train/valid images."""
    input:
        lambda wc: resource({"ptb_char": "ptb", "mnist": "mnist"}[wc.task]),
    output:
        f"{W}/lion/data/{{task}}.pt",
    log:
        f"{W}/lion/logs/data_{{task}}.log",
    benchmark:
        benchmark("lion", "data_{task}")
    wildcard_constraints:
        task="ptb_char|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/lion/data.py"


rule lion_train:
    """One training run; every hyperparameter is in the path, so equal runs are shared between experiments."""
    input:
        data=f"{W}/lion/data/{{task}}.pt",
    output:
        metrics=f"{W}/lion/runs/{{task}}/{{optimizer}}_lr{{lr}}_wd{{wd}}_b{{batch}}_n{{examples}}_s{{seed}}/metrics.json",
        history=f"{W}/lion/runs/{{task}}/{{optimizer}}_lr{{lr}}_wd{{wd}}_b{{batch}}_n{{examples}}_s{{seed}}/history.csv",
    log:
        f"{W}/lion/logs/runs/{{task}}/{{optimizer}}_lr{{lr}}_wd{{wd}}_b{{batch}}_n{{examples}}_s{{seed}}.log",
    wildcard_constraints:
        task="ptb_char|mnist",
        optimizer="adamw|lion",
        lr=r"[0-9.e+-]+",
        wd=r"[0-9.e+-]+",
        batch=r"\d+",
        examples=r"\d+",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: LION["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        model=lambda wc: LION["tasks"][wc.task]["model"],
        train_examples=lambda wc: LION["tasks"][wc.task].get("train_examples"),
        optimizer=lambda wc: LION["optimizers"][wc.optimizer],
        schedule=LION["schedule"],
    script:
        "../../../scripts/lion/train.py"


checkpoint lion_tuned:
    """Each optimizer's grid cell with the lowest final validation loss; AdamW's is the tuned (lr*, λ*) of C2.4."""
    input:
        adamw=lambda wc: lion_grid_runs(wc.task, "adamw"),
        lion=lambda wc: lion_grid_runs(wc.task, "lion"),
    output:
        f"{W}/lion/tuned/{{task}}.json",
    log:
        f"{W}/lion/logs/tuned_{{task}}.log",
    benchmark:
        benchmark("lion", "tuned_{task}")
    wildcard_constraints:
        task="ptb_char|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/lion/tuned.py"


rule lion_task_summary:
    """Per task: both grids (heatmap, robustness) and the hyperparameter transfer over seeds (C2.4)."""
    input:
        unpack(lion_transfer_runs),
        tuned=f"{W}/lion/tuned/{{task}}.json",
        grid_adamw=lambda wc: lion_grid_runs(wc.task, "adamw"),
        grid_lion=lambda wc: lion_grid_runs(wc.task, "lion"),
    output:
        metrics=f"{LION_OUT}/metrics/{{task}}.json",
        runs=f"{LION_OUT}/benchmarks/runs_{{task}}.tsv",
    log:
        f"{W}/lion/logs/summary_{{task}}.log",
    benchmark:
        benchmark("lion", "summary_{task}")
    wildcard_constraints:
        task="ptb_char|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        ratios=LION["transfer"]["ratios"],
    script:
        "../../../scripts/lion/task_summary.py"


rule lion_sweep_cell:
    """C2.5, one optimizer at one batch size on MNIST: a 3-point lr grid at the tuning seed, then the best lr at
    the evaluation seeds (one job: the runs share the data and one interpreter start)."""
    input:
        unpack(lion_sweep_centre),
        data=f"{W}/lion/data/mnist.pt",
    output:
        f"{W}/lion/sweep/{{optimizer}}_b{{batch}}.json",
    log:
        f"{W}/lion/logs/sweep_{{optimizer}}_b{{batch}}.log",
    benchmark:
        benchmark("lion", "sweep_{optimizer}_b{batch}")
    wildcard_constraints:
        optimizer="adamw|lion",
        batch=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: LION["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        settings=LION_SWEEP,
        model=LION["tasks"]["mnist"]["model"],
        train_examples=LION["tasks"]["mnist"].get("train_examples"),
        task_batch=LION["tasks"]["mnist"]["batch_size"],
        optimizer=lambda wc: LION["optimizers"][wc.optimizer],
        schedule=LION["schedule"],
    script:
        "../../../scripts/lion/sweep_cell.py"


rule lion_batch_sweep_summary:
    """C2.5, C2.5b: Δ(B) = AdamW − Lion per evaluation seed, each at its best lr per B; the lr grids for the guards."""
    input:
        cells=lion_sweep_cells,
    output:
        metrics=f"{LION_OUT}/metrics/batch_sweep.json",
    log:
        f"{W}/lion/logs/batch_sweep_summary.log",
    benchmark:
        benchmark("lion", "batch_sweep_summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=LION_SWEEP,
        small_batch_below=claim_parameters("lion.C2.5b", "small_batch_below")["small_batch_below"],
    script:
        "../../../scripts/lion/batch_sweep_summary.py"


rule lion_exact:
    """C2.1–C2.3 measured on a small MLP: state tensors, SIGNUM's trajectory, Adam's first step."""
    output:
        f"{LION_OUT}/metrics/exact.json",
    log:
        f"{W}/lion/logs/exact.log",
    benchmark:
        benchmark("lion", "exact")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=LION["exact"],
        optimizers=LION["optimizers"],
    script:
        "../../../scripts/lion/exact.py"


rule lion_step_benchmark:
    """C2.6: bench/lion_step.py, each optimizer in a fresh process, on all of the job's threads."""
    input:
        "bench/lion_step.py",
    output:
        f"{LION_OUT}/metrics/step_time.json",
    log:
        f"{W}/lion/logs/step_benchmark.log",
    benchmark:
        benchmark("lion", "step_benchmark")
    conda:
        "../../../envs/pipeline.yaml"
    threads: LION["step_benchmark"]["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        settings=LION["step_benchmark"],
    script:
        "../../../scripts/lion/step_benchmark.py"


rule lion_figures:
    """Tables and figures from the metrics only."""
    input:
        exact=f"{LION_OUT}/metrics/exact.json",
        tasks=expand(f"{LION_OUT}/metrics/{{task}}.json", task=LION_TASKS),
        batch_sweep=f"{LION_OUT}/metrics/batch_sweep.json",
        step_time=f"{LION_OUT}/metrics/step_time.json",
    output:
        grid_tables=expand(f"{LION_OUT}/tables/grid_{{task}}.csv", task=LION_TASKS),
        transfer_tables=expand(f"{LION_OUT}/tables/transfer_{{task}}.csv", task=LION_TASKS),
        batch_sweep_table=f"{LION_OUT}/tables/batch_sweep.csv",
        step_time_table=f"{LION_OUT}/tables/step_time.csv",
        exact=figure(f"{LION_OUT}/figures/exact.png", "exact.rst", "lion"),
        curves=figure(f"{LION_OUT}/figures/curves.png", "curves.rst", "lion"),
        heatmaps=figure(f"{LION_OUT}/figures/heatmaps.png", "heatmaps.rst", "lion"),
        transfer=figure(f"{LION_OUT}/figures/transfer.png", "transfer.rst", "lion"),
        batch_gap=figure(f"{LION_OUT}/figures/batch_gap.png", "batch_gap.rst", "lion"),
        step_time=figure(f"{LION_OUT}/figures/step_time.png", "step_time.rst", "lion"),
    log:
        f"{W}/lion/logs/figures.log",
    benchmark:
        benchmark("lion", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        tasks=LION_TASKS,
    script:
        "../../../scripts/lion/figures.py"
