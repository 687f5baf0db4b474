# Incredible Word2Vec 5, 6: random softmax (kexue.fm 4402, 4515): brief shared/articles/word2vec_4402_4515.md
#   equal_time      every loss for the same training seconds, one job, arms one after another  (equal_time, tied)
#   short_training  random softmax evaluated after 1, 2, 5 epochs                              (short_training)
#   gradient        mean random-softmax gradient against the exact one                          (random_softmax_grad)
#   figures         tables and figures from the metrics only
W2V = config["word2vec"]
W2V_OUT = f"{R}/word2vec"
W2V_W = f"{W}/word2vec"
W2V_SHARED = {k: W2V[k] for k in ("max_tokens", "window", "dim", "batch", "lr", "subsample")}

ARTICLE_OUTPUTS["word2vec"] = [
    f"{W2V_OUT}/tables/equal_time.csv",
    f"{W2V_OUT}/tables/short_training.csv",
    f"{W2V_OUT}/tables/gradient.csv",
    f"{W2V_OUT}/tables/neighbours.csv",
    f"{W2V_OUT}/figures/equal_time.png",
    f"{W2V_OUT}/figures/short_training.png",
    f"{W2V_OUT}/figures/gradient.png",
]

ARTICLE_BENCHMARKS["word2vec"] = [
    benchmark("word2vec", name) for name in ["equal_time", "short_training", "gradient", "figures"]
]


rule word2vec:
    """Everything for word2vec: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["word2vec"],
        f"{W2V_OUT}/verdicts.csv",
        f"{W2V_OUT}/REPORT.md",


rule word2vec_equal_time:
    """All arms and seeds in one job, one after another, each for the same training seconds: the timing ratios
    come from one process on one thread count, with no other job of the pipeline beside it (threads: 2 on 2 cores)."""
    input:
        ptb=resource("ptb"),
        similarity=resource("word_similarity"),
        analogies=resource("word_analogy"),
    output:
        f"{W2V_OUT}/metrics/equal_time.json",
    log:
        f"{W2V_W}/logs/equal_time.log",
    benchmark:
        benchmark("word2vec", "equal_time")
    conda:
        "../../../envs/pipeline.yaml"
    threads: W2V["equal_time"]["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        **W2V_SHARED,
        **{k: v for k, v in W2V["equal_time"].items() if k != "threads"},
        evaluation=W2V["evaluation"],
    script:
        "../../../scripts/word2vec/equal_time.py"


rule word2vec_short_training:
    input:
        ptb=resource("ptb"),
        similarity=resource("word_similarity"),
        analogies=resource("word_analogy"),
    output:
        f"{W2V_OUT}/metrics/short_training.json",
    log:
        f"{W2V_W}/logs/short_training.log",
    benchmark:
        benchmark("word2vec", "short_training")
    conda:
        "../../../envs/pipeline.yaml"
    threads: W2V["short_training"]["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        **W2V_SHARED,
        **{k: v for k, v in W2V["short_training"].items() if k != "threads"},
    script:
        "../../../scripts/word2vec/short_training.py"


rule word2vec_gradient:
    input:
        ptb=resource("ptb"),
    output:
        f"{W2V_OUT}/metrics/gradient.json",
    log:
        f"{W2V_W}/logs/gradient.log",
    benchmark:
        benchmark("word2vec", "gradient")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=3000,
        runtime=15,
    params:
        **W2V_SHARED,
        **W2V["gradient"],
    script:
        "../../../scripts/word2vec/gradient.py"


rule word2vec_figures:
    """Tables and figures from the metrics only."""
    input:
        equal_time=f"{W2V_OUT}/metrics/equal_time.json",
        short_training=f"{W2V_OUT}/metrics/short_training.json",
        gradient=f"{W2V_OUT}/metrics/gradient.json",
    output:
        equal_time_table=f"{W2V_OUT}/tables/equal_time.csv",
        short_training_table=f"{W2V_OUT}/tables/short_training.csv",
        gradient_table=f"{W2V_OUT}/tables/gradient.csv",
        neighbours_table=f"{W2V_OUT}/tables/neighbours.csv",
        equal_time=figure(f"{W2V_OUT}/figures/equal_time.png", "equal_time.rst", "word2vec"),
        short_training=figure(f"{W2V_OUT}/figures/short_training.png", "short_training.rst", "word2vec"),
        gradient=figure(f"{W2V_OUT}/figures/gradient.png", "gradient.rst", "word2vec"),
    log:
        f"{W2V_W}/logs/figures.log",
    benchmark:
        benchmark("word2vec", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/word2vec/figures.py"
