# A rewritten new-word discovery algorithm (kexue.fm 6920): brief shared/articles/new_word_discovery_6920.md
#   discover   lexicon from a fraction of People's Daily 1998-01 at one min_count         (speed)
#   evaluate   jieba with each lexicon as its only dictionary, baselines, P/R/F1          (pku_f1, more_data, beats_*)
NWD = config["new_word_discovery"]
NWD_OUT = f"{R}/new_word_discovery"
NWD_W = f"{W}/new_word_discovery"
# the lexicons: every min_count on the whole discovery text, every fraction at the pre-registered min_count
NWD_LEXICONS = sorted(
    {(1.0, mc) for mc in NWD["min_counts"]}
    | {(f, NWD["min_count"]) for f in NWD["fractions"]}
    | {(1.0, NWD["min_count"])}
)
NWD_NAMES = [f"f{num(f)}_mc{mc}" for f, mc in NWD_LEXICONS]
NWD_SPLIT = {k: NWD[k] for k in ("test_fraction", "discovery_lines", "test_lines")}

ARTICLE_OUTPUTS["new_word_discovery"] = [
    f"{NWD_OUT}/tables/segmentation.csv",
    f"{NWD_OUT}/figures/segmentation.png",
    f"{NWD_OUT}/figures/more_data.png",
]

ARTICLE_BENCHMARKS["new_word_discovery"] = [
    benchmark("new_word_discovery", name) for name in [f"discover_{n}" for n in NWD_NAMES] + ["evaluate", "figures"]
]

ARTICLE_REPORT_SECTIONS["new_word_discovery"] = [f"{NWD_OUT}/metrics/segmentation.json"]


rule new_word_discovery:
    """Everything for new-word discovery: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["new_word_discovery"],
        f"{NWD_OUT}/verdicts.csv",
        f"{NWD_OUT}/REPORT.md",


rule new_word_discovery_discover:
    input:
        corpus=resource("peoples_daily"),
    output:
        lexicon=f"{NWD_W}/lexicons/f{{fraction}}_mc{{min_count}}.txt",
        stats=f"{NWD_W}/lexicons/f{{fraction}}_mc{{min_count}}.json",
    log:
        f"{NWD_W}/logs/discover_f{{fraction}}_mc{{min_count}}.log",
    benchmark:
        benchmark("new_word_discovery", "discover_f{fraction}_mc{min_count}")
    wildcard_constraints:
        fraction=r"[0-9.]+",
        min_count=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        **NWD_SPLIT,
        **{k: NWD[k] for k in ("order", "thresholds", "top")},
    script:
        "../../../scripts/new_word_discovery/discover.py"


rule new_word_discovery_evaluate:
    input:
        corpus=resource("peoples_daily"),
        lexicons=[f"{NWD_W}/lexicons/{n}.txt" for n in NWD_NAMES],
        stats=[f"{NWD_W}/lexicons/{n}.json" for n in NWD_NAMES],
    output:
        metrics=f"{NWD_OUT}/metrics/segmentation.json",
    log:
        f"{NWD_W}/logs/evaluate.log",
    benchmark:
        benchmark("new_word_discovery", "evaluate")
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        **NWD_SPLIT,
        min_count=NWD["min_count"],
        pmi_threshold=NWD["pmi_threshold"],
    script:
        "../../../scripts/new_word_discovery/evaluate.py"


rule new_word_discovery_figures:
    """Tables and figures from the metrics only."""
    input:
        segmentation=f"{NWD_OUT}/metrics/segmentation.json",
    output:
        table=f"{NWD_OUT}/tables/segmentation.csv",
        segmentation=figure(f"{NWD_OUT}/figures/segmentation.png", "segmentation.rst", "new_word_discovery"),
        more_data=figure(f"{NWD_OUT}/figures/more_data.png", "more_data.rst", "new_word_discovery"),
    log:
        f"{NWD_W}/logs/figures.log",
    benchmark:
        benchmark("new_word_discovery", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/new_word_discovery/figures.py"
