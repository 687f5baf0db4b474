# The dimension formula n > 8.33 ln N (kexue.fm 7695, 8711): brief shared/articles/dimension_formula.md
#   entropy   h_n by numerical integration, the constant, the article's arithmetic   (C4.1, C4.2)
#   capacity  smallest n that represents N targets under ‖u‖ = ‖v‖ = √n, per (N, seed) (C4.4)
#   wordvec   full-softmax skip-gram on PTB per (vocabulary N, dimension n)           (C4.3)
DF = config["dimension_formula"]
DF_OUT = f"{R}/dimension_formula"

ARTICLE_OUTPUTS["dimension_formula"] = [
    f"{DF_OUT}/tables/entropy.csv",
    f"{DF_OUT}/tables/thresholds.csv",
    f"{DF_OUT}/tables/capacity.csv",
    f"{DF_OUT}/tables/wordvec.csv",
    f"{DF_OUT}/figures/entropy.png",
    f"{DF_OUT}/figures/capacity.png",
    f"{DF_OUT}/figures/wordvec.png",
]

DF_CAPACITY, DF_WORDVEC = DF["capacity"], DF["wordvec"]
ARTICLE_BENCHMARKS["dimension_formula"] = [
    benchmark("dimension_formula", name)
    for name in ["entropy", "capacity_summary", "wordvec_summary", "figures"]
    + expand("capacity_N{N}_seed{seed}", N=DF_CAPACITY["vocab_sizes"], seed=DF_CAPACITY["seeds"])
    + expand("cooccurrence_N{N}", N=DF_WORDVEC["vocab_sizes"])
    + expand("wordvec_N{N}_dim{dim}", N=DF_WORDVEC["vocab_sizes"], dim=DF_WORDVEC["dims"])
]


rule dimension_formula:
    """Everything for the dimension formula: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["dimension_formula"],
        f"{DF_OUT}/verdicts.csv",
        f"{DF_OUT}/REPORT.md",


rule dimension_formula_entropy:
    output:
        f"{DF_OUT}/metrics/entropy.json",
    log:
        f"{W}/dimension_formula/logs/entropy.log",
    benchmark:
        benchmark("dimension_formula", "entropy")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        **DF["entropy"],
        # the article's numbers, from the registry (C4.1's h_n table, C4.2's quoted dimensions and entropy)
        article_hn={int(k[2:]): v for k, v in claim_parameters("dimension_formula.C4.1").items()},
        article_dims={
            int(k[5:]): v for k, v in claim_parameters("dimension_formula.C4.2").items() if k.startswith("dim_N")
        },
        article_entropy_64_1e5=claim_parameters("dimension_formula.C4.2", "entropy_64_1e5")["entropy_64_1e5"],
    script:
        "../../../scripts/dimension_formula/entropy.py"


rule dimension_formula_capacity:
    output:
        f"{W}/dimension_formula/capacity/N{{N}}_seed{{seed}}.json",
    log:
        f"{W}/dimension_formula/logs/capacity_N{{N}}_seed{{seed}}.log",
    benchmark:
        benchmark("dimension_formula", "capacity_N{N}_seed{seed}")
    wildcard_constraints:
        N=r"\d+",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: DF_CAPACITY["threads"]
    resources:
        mem_mb=lambda wc: 1000 + int(wc.N) ** 2 * 4 * 8 // 2**20,
        runtime=30,
    params:
        **{k: v for k, v in DF_CAPACITY.items() if k not in ("vocab_sizes", "seeds", "threads")},
    script:
        "../../../scripts/dimension_formula/capacity.py"


rule dimension_formula_capacity_summary:
    input:
        expand(
            f"{W}/dimension_formula/capacity/N{{N}}_seed{{seed}}.json",
            N=DF_CAPACITY["vocab_sizes"],
            seed=DF_CAPACITY["seeds"],
        ),
    output:
        f"{DF_OUT}/metrics/capacity.json",
    log:
        f"{W}/dimension_formula/logs/capacity_summary.log",
    benchmark:
        benchmark("dimension_formula", "capacity_summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        article_constant=8.33,
    script:
        "../../../scripts/dimension_formula/capacity_summary.py"


rule dimension_formula_cooccurrence:
    """PTB co-occurrence counts for vocabulary size N, once for all the dimensions trained on them."""
    input:
        ptb=resource("ptb"),
    output:
        f"{W}/dimension_formula/cooccurrence/N{{N}}.pt",
    log:
        f"{W}/dimension_formula/logs/cooccurrence_N{{N}}.log",
    benchmark:
        benchmark("dimension_formula", "cooccurrence_N{N}")
    wildcard_constraints:
        N=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=lambda wc: 1500 + int(wc.N) ** 2 * 4 * 3 // 2**20,
        runtime=10,
    params:
        window=DF_WORDVEC["window"],
    script:
        "../../../scripts/dimension_formula/cooccurrence.py"


rule dimension_formula_wordvec:
    input:
        counts=f"{W}/dimension_formula/cooccurrence/N{{N}}.pt",
        similarity=resource("word_similarity"),
    output:
        f"{W}/dimension_formula/wordvec/N{{N}}_dim{{dim}}.json",
    log:
        f"{W}/dimension_formula/logs/wordvec_N{{N}}_dim{{dim}}.log",
    benchmark:
        benchmark("dimension_formula", "wordvec_N{N}_dim{dim}")
    wildcard_constraints:
        N=r"\d+",
        dim=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: DF_WORDVEC["threads"]
    resources:
        mem_mb=lambda wc: 1500 + int(wc.N) ** 2 * 4 * 6 // 2**20,
        runtime=30,
    params:
        **{
            k: v
            for k, v in DF_WORDVEC.items()
            if k not in ("vocab_sizes", "dims", "threads", "saturation_tol", "window")
        },
    script:
        "../../../scripts/dimension_formula/wordvec.py"


rule dimension_formula_wordvec_summary:
    input:
        runs=expand(
            f"{W}/dimension_formula/wordvec/N{{N}}_dim{{dim}}.json",
            N=DF_WORDVEC["vocab_sizes"],
            dim=DF_WORDVEC["dims"],
        ),
    output:
        f"{DF_OUT}/metrics/wordvec.json",
    log:
        f"{W}/dimension_formula/logs/wordvec_summary.log",
    benchmark:
        benchmark("dimension_formula", "wordvec_summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        saturation_tol=DF_WORDVEC["saturation_tol"],
        article_constant=8.33,
        steps=DF_WORDVEC["steps"],
    script:
        "../../../scripts/dimension_formula/wordvec_summary.py"


rule dimension_formula_figures:
    """Tables and figures from the metrics only: restyling never recomputes."""
    input:
        entropy=f"{DF_OUT}/metrics/entropy.json",
        capacity=f"{DF_OUT}/metrics/capacity.json",
        wordvec=f"{DF_OUT}/metrics/wordvec.json",
    output:
        entropy_table=f"{DF_OUT}/tables/entropy.csv",
        thresholds_table=f"{DF_OUT}/tables/thresholds.csv",
        capacity_table=f"{DF_OUT}/tables/capacity.csv",
        wordvec_table=f"{DF_OUT}/tables/wordvec.csv",
        entropy=figure(f"{DF_OUT}/figures/entropy.png", "entropy.rst", "dimension_formula"),
        capacity=figure(f"{DF_OUT}/figures/capacity.png", "capacity.rst", "dimension_formula"),
        wordvec=figure(f"{DF_OUT}/figures/wordvec.png", "wordvec.rst", "dimension_formula"),
    log:
        f"{W}/dimension_formula/logs/figures.log",
    benchmark:
        benchmark("dimension_formula", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/dimension_formula/figures.py"
