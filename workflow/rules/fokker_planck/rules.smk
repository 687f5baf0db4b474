# Continuity and Fokker–Planck equations (kexue.fm 9461): brief shared/articles/fokker_planck_9461.md
#   one_d    OU process: SDE particles vs closed form and Crank–Nicolson; probability-flow ODE vs the
#            continuity equation; the weak form                      (fokker_planck.continuity, .fokker_planck, .weak_form)
#   two_d    double well: particles vs an explicit finite-volume solver  (fokker_planck.fokker_planck)
#   parts    both integrations by parts by quadrature                  (fokker_planck.parts)
FP = config["fokker_planck"]
FP_OUT = f"{R}/fokker_planck"

ARTICLE_OUTPUTS["fokker_planck"] = [
    f"{FP_OUT}/tables/one_d.csv",
    f"{FP_OUT}/tables/two_d.csv",
    f"{FP_OUT}/tables/weak_form.csv",
    f"{FP_OUT}/figures/one_d.png",
    f"{FP_OUT}/figures/two_d.png",
    f"{FP_OUT}/figures/weak_form.png",
]

ARTICLE_BENCHMARKS["fokker_planck"] = [
    benchmark("fokker_planck", name) for name in ["one_d", "two_d", "parts", "summary", "figures"]
]


rule fokker_planck:
    """Everything for the Fokker–Planck article: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["fokker_planck"],
        f"{FP_OUT}/verdicts.csv",
        f"{FP_OUT}/REPORT.md",


rule fokker_planck_simulation:
    """The three experiments, one job each: one_d, two_d, parts."""
    output:
        f"{FP_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/fokker_planck/logs/{{part}}.log",
    benchmark:
        benchmark("fokker_planck", "{part}")
    wildcard_constraints:
        part="one_d|two_d|parts",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        settings=lambda wc: FP[wc.part],
    script:
        "../../../scripts/fokker_planck/{wildcards.part}.py"


rule fokker_planck_summary:
    """The 1-D and 2-D Fokker–Planck summaries in the one metrics file the claim reads."""
    input:
        one_d=f"{FP_OUT}/metrics/one_d.json",
        two_d=f"{FP_OUT}/metrics/two_d.json",
    output:
        f"{FP_OUT}/metrics/fokker_planck.json",
    log:
        f"{W}/fokker_planck/logs/summary.log",
    benchmark:
        benchmark("fokker_planck", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/fokker_planck/summary.py"


rule fokker_planck_figures:
    """Tables and figures from the metrics only."""
    input:
        one_d=f"{FP_OUT}/metrics/one_d.json",
        two_d=f"{FP_OUT}/metrics/two_d.json",
        parts=f"{FP_OUT}/metrics/parts.json",
    output:
        one_d_table=f"{FP_OUT}/tables/one_d.csv",
        two_d_table=f"{FP_OUT}/tables/two_d.csv",
        weak_table=f"{FP_OUT}/tables/weak_form.csv",
        one_d=figure(f"{FP_OUT}/figures/one_d.png", "one_d.rst", "fokker_planck"),
        two_d=figure(f"{FP_OUT}/figures/two_d.png", "two_d.rst", "fokker_planck"),
        weak=figure(f"{FP_OUT}/figures/weak_form.png", "weak_form.rst", "fokker_planck"),
    log:
        f"{W}/fokker_planck/logs/figures.log",
    benchmark:
        benchmark("fokker_planck", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/fokker_planck/figures.py"
