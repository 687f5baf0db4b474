# Why SimSiam does not collapse (kexue.fm 7980): brief shared/articles/simsiam_7980.md
#   ode              the toy gradient flow                                   (toy_ode)
#   factor_two       two views vs the alternating optimum, by Monte Carlo      (factor_two)
#   train            SimSiam and its ablations, one job per variant and seed   (collapse_ablation, mean_target)
#   random_features  kNN of the frozen random-init CNN and of raw pixels      (random_features)
SS = config["simsiam"]
SS_OUT = f"{R}/simsiam"
SS_TRAIN = SS["training"]
SS_RUNS = expand(f"{W}/simsiam/runs/{{variant}}_s{{seed}}.json", variant=SS_TRAIN["variants"], seed=SS_TRAIN["seeds"])

ARTICLE_OUTPUTS["simsiam"] = [
    f"{SS_OUT}/tables/ode.csv",
    f"{SS_OUT}/tables/collapse.csv",
    f"{SS_OUT}/tables/factor_two.csv",
    f"{SS_OUT}/figures/ode.png",
    f"{SS_OUT}/figures/collapse.png",
    f"{SS_OUT}/figures/factor_two.png",
]

ARTICLE_BENCHMARKS["simsiam"] = [
    benchmark("simsiam", name) for name in ["ode", "factor_two", "random_features", "summary", "figures"]
] + expand(benchmark("simsiam", "train_{variant}_s{seed}"), variant=SS_TRAIN["variants"], seed=SS_TRAIN["seeds"])


rule simsiam:
    """Everything for the SimSiam article: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["simsiam"],
        f"{SS_OUT}/verdicts.csv",
        f"{SS_OUT}/REPORT.md",


rule simsiam_ode:
    output:
        f"{SS_OUT}/metrics/ode.json",
    log:
        f"{W}/simsiam/logs/ode.log",
    benchmark:
        benchmark("simsiam", "ode")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        **SS["ode"],
    script:
        "../../../scripts/simsiam/ode.py"


rule simsiam_factor_two:
    input:
        resource("mnist"),
    output:
        f"{SS_OUT}/metrics/factor_two.json",
    log:
        f"{W}/simsiam/logs/factor_two.log",
    benchmark:
        benchmark("simsiam", "factor_two")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=lambda wc: 1500 + SS["factor_two"]["images"],
        runtime=5,
    params:
        **SS["factor_two"],
    script:
        "../../../scripts/simsiam/factor_two.py"


rule simsiam_train:
    """One variant and seed; every variant gets the same settings (the brief's trap)."""
    input:
        resource("mnist"),
    output:
        f"{W}/simsiam/runs/{{variant}}_s{{seed}}.json",
    log:
        f"{W}/simsiam/logs/train_{{variant}}_s{{seed}}.log",
    benchmark:
        benchmark("simsiam", "train_{variant}_s{seed}")
    wildcard_constraints:
        variant="simsiam|no_stop_gradient|no_predictor|mean_target_stop|mean_target_both",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: SS_TRAIN["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        settings={k: v for k, v in SS_TRAIN.items() if k != "variants"},
    script:
        "../../../scripts/simsiam/train.py"


rule simsiam_random_features:
    input:
        resource("mnist"),
    output:
        f"{SS_OUT}/metrics/random_features.json",
    log:
        f"{W}/simsiam/logs/random_features.log",
    benchmark:
        benchmark("simsiam", "random_features")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        **{k: SS_TRAIN[k] for k in ("train_images", "channels", "knn_k", "seeds")},
    script:
        "../../../scripts/simsiam/random_features.py"


rule simsiam_summary:
    input:
        runs=SS_RUNS,
    output:
        f"{SS_OUT}/metrics/collapse.json",
    log:
        f"{W}/simsiam/logs/summary.log",
    benchmark:
        benchmark("simsiam", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings={k: SS_TRAIN[k] for k in ("channels", "proj", "train_images", "epochs", "batch_size", "seeds")},
    script:
        "../../../scripts/simsiam/summary.py"


rule simsiam_figures:
    """Tables and figures from the metrics only."""
    input:
        ode=f"{SS_OUT}/metrics/ode.json",
        factor_two=f"{SS_OUT}/metrics/factor_two.json",
        collapse=f"{SS_OUT}/metrics/collapse.json",
        random_features=f"{SS_OUT}/metrics/random_features.json",
    output:
        ode_table=f"{SS_OUT}/tables/ode.csv",
        collapse_table=f"{SS_OUT}/tables/collapse.csv",
        factor_two_table=f"{SS_OUT}/tables/factor_two.csv",
        ode=figure(f"{SS_OUT}/figures/ode.png", "ode.rst", "simsiam"),
        collapse=figure(f"{SS_OUT}/figures/collapse.png", "collapse.rst", "simsiam"),
        factor_two=figure(f"{SS_OUT}/figures/factor_two.png", "factor_two.rst", "simsiam"),
    log:
        f"{W}/simsiam/logs/figures.log",
    benchmark:
        benchmark("simsiam", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/simsiam/figures.py"
