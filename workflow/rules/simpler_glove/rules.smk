# A more distinctive word-vector model: simpler glove (kexue.fm 4667, 4675, 4677): brief shared/articles/simpler_glove_4667_4677.md
#   counts     PTB vocabulary and sparse window co-occurrence counts
#   train      one job per model (simpler, simpler_truncated, glove) and seed
#   nan        per-pair Adagrad variants on the top-2k words           (adagrad_nan)
#   evaluate   norms, truncation, analogies, keywords, identity        (the other claims)
SG = config["simpler_glove"]
SG_OUT = f"{R}/simpler_glove"
SG_W = f"{W}/simpler_glove"
SG_RUNS = [(model, seed) for model, seeds in SG["seeds"].items() for seed in seeds]

ARTICLE_OUTPUTS["simpler_glove"] = [
    f"{SG_OUT}/tables/properties.csv",
    f"{SG_OUT}/figures/norms.png",
    f"{SG_OUT}/figures/analogy.png",
    f"{SG_OUT}/figures/checks.png",
]

ARTICLE_BENCHMARKS["simpler_glove"] = [
    benchmark("simpler_glove", name)
    for name in ["counts", "nan", "evaluate", "figures"] + [f"train_{m}_seed{s}" for m, s in SG_RUNS]
]


rule simpler_glove:
    """Everything for simpler glove: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["simpler_glove"],
        f"{SG_OUT}/verdicts.csv",
        f"{SG_OUT}/REPORT.md",


rule simpler_glove_counts:
    input:
        ptb=resource("ptb"),
    output:
        counts=f"{SG_W}/counts.npz",
        vocab=f"{SG_W}/vocab.json",
    log:
        f"{SG_W}/logs/counts.log",
    benchmark:
        benchmark("simpler_glove", "counts")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        window=SG["window"],
        max_sentences=SG["max_sentences"],
    script:
        "../../../scripts/simpler_glove/counts.py"


rule simpler_glove_train:
    input:
        counts=f"{SG_W}/counts.npz",
    output:
        vectors=f"{SG_W}/{{model}}/seed{{seed}}.npy",
        curve=f"{SG_W}/{{model}}/seed{{seed}}.json",
    log:
        f"{SG_W}/logs/train_{{model}}_seed{{seed}}.log",
    benchmark:
        benchmark("simpler_glove", "train_{model}_seed{seed}")
    wildcard_constraints:
        model="simpler|simpler_truncated|glove",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: SG["train"]["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        **{k: v for k, v in SG["train"].items() if k != "threads"},
    script:
        "../../../scripts/simpler_glove/train.py"


rule simpler_glove_nan:
    input:
        counts=f"{SG_W}/counts.npz",
    output:
        f"{SG_OUT}/metrics/nan.json",
    log:
        f"{SG_W}/logs/nan.log",
    benchmark:
        benchmark("simpler_glove", "nan")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        settings=SG["nan"],
        x_max=SG["train"]["x_max"],
        alpha=SG["train"]["alpha"],
    script:
        "../../../scripts/simpler_glove/nan.py"


rule simpler_glove_evaluate:
    input:
        counts=f"{SG_W}/counts.npz",
        vocab=f"{SG_W}/vocab.json",
        vectors=[f"{SG_W}/{m}/seed{s}.npy" for m, s in SG_RUNS],
        curves=[f"{SG_W}/{m}/seed{s}.json" for m, s in SG_RUNS],
        analogies=resource("word_analogy"),
        ptb=resource("ptb"),
    output:
        f"{SG_OUT}/metrics/properties.json",
    log:
        f"{SG_W}/logs/evaluate.log",
    benchmark:
        benchmark("simpler_glove", "evaluate")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=3000,
        runtime=15,
    params:
        window=SG["window"],
        dim=SG["train"]["dim"],
        norm=SG["norm"],
        keywords=SG["keywords"],
        identity=SG["identity"],
    script:
        "../../../scripts/simpler_glove/evaluate.py"


rule simpler_glove_figures:
    """Tables and figures from the metrics only."""
    input:
        properties=f"{SG_OUT}/metrics/properties.json",
        nan=f"{SG_OUT}/metrics/nan.json",
    output:
        table=f"{SG_OUT}/tables/properties.csv",
        norms=figure(f"{SG_OUT}/figures/norms.png", "norms.rst", "simpler_glove"),
        analogy=figure(f"{SG_OUT}/figures/analogy.png", "analogy.rst", "simpler_glove"),
        checks=figure(f"{SG_OUT}/figures/checks.png", "checks.rst", "simpler_glove"),
    log:
        f"{SG_W}/logs/figures.log",
    benchmark:
        benchmark("simpler_glove", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/simpler_glove/figures.py"
