# Length extrapolation and local attention (kexue.fm 9431): brief shared/articles/length_extrapolation_9431.md
#   run         train a RoPE character LM on PTB at N, evaluate L = N … 8N, full and window masks (one job per seed)
#   summary     the seeds gathered                              (rope_collapse, window_baseline, entropy_rises)
#   identities  Sandwich, sinusoidal kernel, XPOS in float64    (identities)
LEX = config["length_extrapolation"]
LEX_OUT = f"{R}/length_extrapolation"

ARTICLE_OUTPUTS["length_extrapolation"] = [
    f"{LEX_OUT}/tables/extrapolation.csv",
    f"{LEX_OUT}/figures/extrapolation.png",
    f"{LEX_OUT}/figures/entropy.png",
    f"{LEX_OUT}/figures/identities.png",
]

ARTICLE_BENCHMARKS["length_extrapolation"] = [
    *(benchmark("length_extrapolation", name) for name in ["identities", "summary", "figures"]),
    *(benchmark("length_extrapolation", f"run_seed{seed}") for seed in LEX["lm"]["seeds"]),
]


rule length_extrapolation:
    """Everything for length extrapolation: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["length_extrapolation"],
        f"{LEX_OUT}/verdicts.csv",
        f"{LEX_OUT}/REPORT.md",


rule length_extrapolation_run:
    """One seed: train at N, evaluate every test length with both masks on the same weights."""
    input:
        resource("ptb"),
    output:
        f"{W}/length_extrapolation/runs/seed{{seed}}/metrics.json",
    log:
        f"{W}/length_extrapolation/logs/run_seed{{seed}}.log",
    benchmark:
        benchmark("length_extrapolation", "run_seed{seed}")
    wildcard_constraints:
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: LEX["lm"]["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        settings={k: v for k, v in LEX["lm"].items() if k not in ("seeds", "threads")},
    script:
        "../../../scripts/length_extrapolation/run.py"


rule length_extrapolation_summary:
    input:
        [f"{W}/length_extrapolation/runs/seed{seed}/metrics.json" for seed in LEX["lm"]["seeds"]],
    output:
        metrics=f"{LEX_OUT}/metrics/extrapolation.json",
        usage=f"{LEX_OUT}/benchmarks/runs.tsv",
    log:
        f"{W}/length_extrapolation/logs/summary.log",
    benchmark:
        benchmark("length_extrapolation", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings={k: v for k, v in LEX["lm"].items() if k not in ("seeds", "threads")},
    script:
        "../../../scripts/length_extrapolation/summary.py"


rule length_extrapolation_identities:
    output:
        f"{LEX_OUT}/metrics/identities.json",
    log:
        f"{W}/length_extrapolation/logs/identities.log",
    benchmark:
        benchmark("length_extrapolation", "identities")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=LEX["identities"],
    script:
        "../../../scripts/length_extrapolation/identities.py"


rule length_extrapolation_figures:
    """Tables and figures from the metrics only."""
    input:
        summary=f"{LEX_OUT}/metrics/extrapolation.json",
        identities=f"{LEX_OUT}/metrics/identities.json",
    output:
        table=f"{LEX_OUT}/tables/extrapolation.csv",
        extrapolation=figure(f"{LEX_OUT}/figures/extrapolation.png", "extrapolation.rst", "length_extrapolation"),
        entropy=figure(f"{LEX_OUT}/figures/entropy.png", "entropy.rst", "length_extrapolation"),
        identities=figure(f"{LEX_OUT}/figures/identities.png", "identities.rst", "length_extrapolation"),
    log:
        f"{W}/length_extrapolation/logs/figures.log",
    benchmark:
        benchmark("length_extrapolation", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/length_extrapolation/figures.py"
