# The Johnson–Lindenstrauss lemma (kexue.fm 8679, 8706): brief shared/articles/dimension_formula.md §C5
#   lemmas      Monte Carlo of the unit-norm and orthogonality bounds      (C5.1, C5.2)
#   projection  success at n = 24 ln N/ε², empirical threshold, per N      (C5.3–C5.5)
#   lsh         sign random projections: 1 − 2θ/π, not cos θ              (C5.6)
#   rsvd        M ≈ MQQᵀ fails for a random Q; what holds instead           (C5.7)
JL = config["jl_lemma"]
JL_OUT = f"{R}/jl_lemma"

ARTICLE_OUTPUTS["jl_lemma"] = [
    f"{JL_OUT}/tables/lemmas.csv",
    f"{JL_OUT}/tables/projection.csv",
    f"{JL_OUT}/tables/lsh.csv",
    f"{JL_OUT}/tables/rsvd.csv",
    f"{JL_OUT}/figures/lemmas.png",
    f"{JL_OUT}/figures/projection.png",
    f"{JL_OUT}/figures/threshold.png",
    f"{JL_OUT}/figures/lsh.png",
    f"{JL_OUT}/figures/rsvd.png",
]

ARTICLE_BENCHMARKS["jl_lemma"] = [
    benchmark("jl_lemma", name)
    for name in ["lemmas", "lsh", "rsvd", "projection_summary", "figures"]
    + expand("projection_N{N}_eps{eps}", N=JL["projection"]["vocab_sizes"], eps=JL["projection"]["epsilons"])
]


rule jl_lemma:
    """Everything for the JL lemma: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["jl_lemma"],
        f"{JL_OUT}/verdicts.csv",
        f"{JL_OUT}/REPORT.md",


rule jl_lemma_simulation:
    """The three cheap simulations, one job each: lemmas, lsh, rsvd."""
    output:
        f"{JL_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/jl_lemma/logs/{{part}}.log",
    benchmark:
        benchmark("jl_lemma", "{part}")
    wildcard_constraints:
        part="lemmas|lsh|rsvd",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        settings=lambda wc: JL[wc.part],
    script:
        "../../../scripts/jl_lemma/{wildcards.part}.py"


rule jl_lemma_projection:
    output:
        f"{W}/jl_lemma/projection/N{{N}}_eps{{eps}}.json",
    log:
        f"{W}/jl_lemma/logs/projection_N{{N}}_eps{{eps}}.log",
    benchmark:
        benchmark("jl_lemma", "projection_N{N}_eps{eps}")
    wildcard_constraints:
        N=r"\d+",
        eps=r"0\.\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: JL["projection"]["threads"]
    resources:
        mem_mb=lambda wc: 1000 + int(wc.N) ** 2 * 8 * 6 // 2**20,
        runtime=30,
    params:
        **{k: v for k, v in JL["projection"].items() if k not in ("vocab_sizes", "epsilons", "threads")},
    script:
        "../../../scripts/jl_lemma/projection.py"


rule jl_lemma_projection_summary:
    input:
        expand(
            f"{W}/jl_lemma/projection/N{{N}}_eps{{eps}}.json",
            N=JL["projection"]["vocab_sizes"],
            eps=JL["projection"]["epsilons"],
        ),
    output:
        f"{JL_OUT}/metrics/projection.json",
    log:
        f"{W}/jl_lemma/logs/projection_summary.log",
    benchmark:
        benchmark("jl_lemma", "projection_summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        # the per-cell test of C5.3/C5.4: success fraction ≥ promised − se_factor·SE (claims.yaml)
        distance_se_factor=claim_parameters("jl_lemma.C5.3", "se_factor")["se_factor"],
        inner_se_factor=claim_parameters("jl_lemma.C5.4", "se_factor")["se_factor"],
    script:
        "../../../scripts/jl_lemma/projection_summary.py"


rule jl_lemma_figures:
    """Tables and figures from the metrics only."""
    input:
        lemmas=f"{JL_OUT}/metrics/lemmas.json",
        projection=f"{JL_OUT}/metrics/projection.json",
        lsh=f"{JL_OUT}/metrics/lsh.json",
        rsvd=f"{JL_OUT}/metrics/rsvd.json",
    output:
        lemmas_table=f"{JL_OUT}/tables/lemmas.csv",
        projection_table=f"{JL_OUT}/tables/projection.csv",
        lsh_table=f"{JL_OUT}/tables/lsh.csv",
        rsvd_table=f"{JL_OUT}/tables/rsvd.csv",
        lemmas=figure(f"{JL_OUT}/figures/lemmas.png", "lemmas.rst", "jl_lemma"),
        projection=figure(f"{JL_OUT}/figures/projection.png", "projection.rst", "jl_lemma"),
        threshold=figure(f"{JL_OUT}/figures/threshold.png", "threshold.rst", "jl_lemma"),
        lsh=figure(f"{JL_OUT}/figures/lsh.png", "lsh.rst", "jl_lemma"),
        rsvd=figure(f"{JL_OUT}/figures/rsvd.png", "rsvd.rst", "jl_lemma"),
    log:
        f"{W}/jl_lemma/logs/figures.log",
    benchmark:
        benchmark("jl_lemma", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/jl_lemma/figures.py"
