# Two findings about attention and softmax (kexue.fm 9593): brief shared/articles/attention_softmax_9593.md
#   noise     ‖õ − o‖ with i.i.d. noise in the scores, over n, per variant        (noise_robust)
#   entropy   two-level closed form, L-BFGS-B at n = 1000, c(τ)                  (entropy_floor, temperature)
#   init      one attention head on key–value retrieval, W_Q, W_K × α, per α     (init_uniform)
ASM = config["attention_softmax"]
ASM_OUT = f"{R}/attention_softmax"

ARTICLE_OUTPUTS["attention_softmax"] = [
    f"{ASM_OUT}/tables/noise.csv",
    f"{ASM_OUT}/tables/entropy.csv",
    f"{ASM_OUT}/tables/init.csv",
    f"{ASM_OUT}/figures/noise.png",
    f"{ASM_OUT}/figures/entropy.png",
    f"{ASM_OUT}/figures/init.png",
]

ARTICLE_BENCHMARKS["attention_softmax"] = [
    *(benchmark("attention_softmax", name) for name in ["noise", "entropy", "init_summary", "figures"]),
    *(benchmark("attention_softmax", f"init_alpha{num(a)}") for a in ASM["init"]["alphas"]),
]


rule attention_softmax:
    """Everything for the attention/softmax article: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["attention_softmax"],
        f"{ASM_OUT}/verdicts.csv",
        f"{ASM_OUT}/REPORT.md",


rule attention_softmax_numerics:
    """The two numerical experiments, one job each."""
    output:
        f"{ASM_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/attention_softmax/logs/{{part}}.log",
    benchmark:
        benchmark("attention_softmax", "{part}")
    wildcard_constraints:
        part="noise|entropy",
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        settings=lambda wc: ASM[wc.part],
    script:
        "../../../scripts/attention_softmax/{wildcards.part}.py"


rule attention_softmax_init:
    """The retrieval task at one α, every seed."""
    output:
        f"{W}/attention_softmax/init/alpha{{alpha}}.json",
    log:
        f"{W}/attention_softmax/logs/init_alpha{{alpha}}.log",
    benchmark:
        benchmark("attention_softmax", "init_alpha{alpha}")
    wildcard_constraints:
        alpha=r"[0-9.e+-]+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=15,
    params:
        settings={k: v for k, v in ASM["init"].items() if k != "alphas"},
    script:
        "../../../scripts/attention_softmax/init.py"


rule attention_softmax_init_summary:
    input:
        [f"{W}/attention_softmax/init/alpha{num(a)}.json" for a in ASM["init"]["alphas"]],
    output:
        f"{ASM_OUT}/metrics/init.json",
    log:
        f"{W}/attention_softmax/logs/init_summary.log",
    benchmark:
        benchmark("attention_softmax", "init_summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings={k: v for k, v in ASM["init"].items() if k != "alphas"},
    script:
        "../../../scripts/attention_softmax/init_summary.py"


rule attention_softmax_figures:
    """Tables and figures from the metrics only."""
    input:
        noise=f"{ASM_OUT}/metrics/noise.json",
        entropy=f"{ASM_OUT}/metrics/entropy.json",
        init=f"{ASM_OUT}/metrics/init.json",
    output:
        noise_table=f"{ASM_OUT}/tables/noise.csv",
        entropy_table=f"{ASM_OUT}/tables/entropy.csv",
        init_table=f"{ASM_OUT}/tables/init.csv",
        noise=figure(f"{ASM_OUT}/figures/noise.png", "noise.rst", "attention_softmax"),
        entropy=figure(f"{ASM_OUT}/figures/entropy.png", "entropy.rst", "attention_softmax"),
        init=figure(f"{ASM_OUT}/figures/init.png", "init.rst", "attention_softmax"),
    log:
        f"{W}/attention_softmax/logs/figures.log",
    benchmark:
        benchmark("attention_softmax", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/attention_softmax/figures.py"
