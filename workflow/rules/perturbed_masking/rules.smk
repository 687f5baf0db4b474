# Perturbed Masking (kexue.fm 7476): brief shared/articles/perturbed_masking_7476.md
#   stand_in   a randomly initialised BERT with People's Daily's characters as vocabulary (smoke tier's stand-in
#              for bert-base-chinese)
#   impact     the adjacent impact d of every dev and test sentence (2T − 1 masked copies each) and the full
#              impact matrix of each demo sentence, from the proxy (zh_bert), a hub model or the stand-in
#   evaluate   thresholds on dev, scores on test, baselines, demos, parse trees (claims segmentation, demos, parsing)
#   figures    tables and figures from the metrics only
# The default tier reads the shared proxy BERT of the zh_bert step (ZH_BERT_MODEL, rule zh_bert_pretrain in
# workflow/rules/steps/zh_bert.smk, included by the Snakefile before the articles); the held-out People's Daily
# lines are those after the step's peoples_daily_train_fraction, so that no test line was pretrained on.


PM = config["perturbed_masking"]
PM_OUT = f"{R}/perturbed_masking"
PM_W = f"{W}/perturbed_masking"
PM_TRAIN_FRACTION = ZH_BERT["data"]["peoples_daily_train_fraction"]  # the proxy's split, read once

ARTICLE_OUTPUTS["perturbed_masking"] = [
    f"{PM_OUT}/tables/scores.csv",
    f"{PM_OUT}/tables/demos.csv",
    f"{PM_OUT}/tables/parse_trees.csv",
    f"{PM_OUT}/figures/segmentation.png",
    f"{PM_OUT}/figures/demos.png",
]
ARTICLE_BENCHMARKS["perturbed_masking"] = (
    [benchmark("perturbed_masking", name) for name in ["impact", "evaluate", "figures"]]
    + ([benchmark("perturbed_masking", "stand_in")] if PM["model"]["random_bert"] else [])
    + ([ZH_BERT_BENCHMARK] if PM["model"]["proxy"] else [])
)
ARTICLE_REPORT_SECTIONS["perturbed_masking"] = [f"{PM_OUT}/metrics/segmentation.json"]


rule perturbed_masking:
    """Everything for Perturbed Masking: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["perturbed_masking"],
        f"{PM_OUT}/verdicts.csv",
        f"{PM_OUT}/REPORT.md",


rule perturbed_masking_stand_in:
    """A randomly initialised BERT with a Chinese character vocabulary: the stand-in for bert-base-chinese."""
    input:
        resource("peoples_daily"),
    output:
        directory(f"{PM_W}/stand_in"),
    log:
        f"{PM_W}/logs/stand_in.log",
    benchmark:
        benchmark("perturbed_masking", "stand_in")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=PM["model"]["random_bert"],
        train_fraction=PM_TRAIN_FRACTION,
    script:
        "../../../scripts/perturbed_masking/stand_in.py"


rule perturbed_masking_impact:
    """The impact d of every adjacent pair of the dev and test sentences, and the demos' impact matrices."""
    input:
        unpack(pm_model_input),
        corpus=resource("peoples_daily"),
    output:
        f"{PM_W}/impact.json",
    log:
        f"{PM_W}/logs/impact.log",
    benchmark:
        benchmark("perturbed_masking", "impact")
    conda:
        "../../../envs/pipeline.yaml"
    threads: PM["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=1 if PM["model"]["model"] else 0,  # the hub's BERT-base (full tier) on a GPU where one is lent
    params:
        model=PM["model"],
        network=config["network"],
        data=PM["data"],
        train_fraction=PM_TRAIN_FRACTION,
        batch_size=PM["batch_size"],
        demos=PM["demos"],
    script:
        "../../../scripts/perturbed_masking/impact.py"


rule perturbed_masking_evaluate:
    """Claims segmentation, demos (parsing: report): dev-chosen thresholds, test scores, baselines, trees."""
    input:
        impact=f"{PM_W}/impact.json",
        corpus=resource("peoples_daily"),
    output:
        f"{PM_OUT}/metrics/segmentation.json",
    log:
        f"{PM_W}/logs/evaluate.log",
    benchmark:
        benchmark("perturbed_masking", "evaluate")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        train_fraction=PM_TRAIN_FRACTION,
        quantiles=PM["quantiles"],
        pmi_thresholds=PM["pmi_thresholds"],
        bootstrap=PM["bootstrap"],
        article_threshold=PM["article_threshold"],
        stand_in=bool(PM["model"]["random_bert"]),
        model_label=pm_model_label(),
        model_short=pm_model_short(),
    script:
        "../../../scripts/perturbed_masking/evaluate.py"


rule perturbed_masking_figures:
    """Tables and figures from the metrics only (and the demos' impact matrices)."""
    input:
        metrics=f"{PM_OUT}/metrics/segmentation.json",
        impact=f"{PM_W}/impact.json",
    output:
        scores=f"{PM_OUT}/tables/scores.csv",
        demos_table=f"{PM_OUT}/tables/demos.csv",
        trees=f"{PM_OUT}/tables/parse_trees.csv",
        segmentation=figure(f"{PM_OUT}/figures/segmentation.png", "segmentation.rst", "perturbed_masking"),
        demos=figure(f"{PM_OUT}/figures/demos.png", "demos.rst", "perturbed_masking"),
    log:
        f"{PM_W}/logs/figures.log",
    benchmark:
        benchmark("perturbed_masking", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/perturbed_masking/figures.py"
