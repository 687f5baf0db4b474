# Claims registry × metrics → verdicts per article, each article's REPORT.md, then the one table of every
# claim (results/verdicts.csv) and the index of all articles of the seeds (results/REPORT.md).
# On a cluster these run on the submitting host: each reads small files and takes a second, less than a
# SLURM submission costs.


localrules:
    article_verdicts,
    article_report,
    verdicts,
    environment,
    report_index,


rule article_verdicts:
    input:
        claims="config/articles/{article}/claims.yaml",
        code="kexue/verdicts.py",  # how verdicts are decided: a change re-decides every article's
        metrics=lambda wc: claim_metrics(wc.article),
    output:
        f"{R}/{{article}}/verdicts.csv",
    log:
        f"{W}/{{article}}/logs/verdicts.log",
    wildcard_constraints:
        article="|".join(ARTICLES),
    conda:
        "../../envs/pipeline.yaml"
    params:
        claims=lambda wc: article_claims(wc.article),
    script:
        "../../scripts/common/verdicts.py"


rule article_report:
    """results/<article>/REPORT.md: its claims by kind, evidence, measurements, figures and cost."""
    input:
        verdicts=f"{R}/{{article}}/verdicts.csv",
        code="kexue/report.py",  # how pages are written: a change rewrites every article's page
        metrics=lambda wc: claim_metrics(wc.article),
        outputs=lambda wc: ARTICLE_OUTPUTS[wc.article],
        benchmarks=lambda wc: ARTICLE_BENCHMARKS[wc.article],
        sections=lambda wc: ARTICLE_REPORT_SECTIONS.get(wc.article, []),
    output:
        f"{R}/{{article}}/REPORT.md",
    log:
        f"{W}/{{article}}/logs/report.log",
    wildcard_constraints:
        article="|".join(ARTICLES),
    conda:
        "../../envs/pipeline.yaml"
    params:
        registry=lambda wc: {key: CLAIMS[wc.article][key] for key in ("title", "archives")},
        tier=config["tier"],
    script:
        "../../scripts/common/article_report.py"


rule verdicts:
    input:
        [f"{R}/{a}/verdicts.csv" for a in ENABLED],
    output:
        f"{R}/verdicts.csv",
    log:
        f"{W}/logs/verdicts.log",
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../../scripts/common/merge_verdicts.py"


rule environment:
    """results/environment.json: the lock's digest and every installed package with its version, once per
    run (provenance records carry only the digest); rerun when the lock changes."""
    input:
        "requirements.lock",
        "requirements-nodeps.lock",
    output:
        f"{R}/environment.json",
    log:
        f"{W}/logs/environment.log",
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../../scripts/common/environment.py"


rule report_index:
    """results/REPORT.md: every article of the seeds (config/catalog.yaml), built or not, with its verdict
    counts, cost and a link to its page; the same as the first page of `snakemake --report` (rst)."""
    input:
        verdicts=f"{R}/verdicts.csv",
        catalog="config/catalog.yaml",
        reports=[f"{R}/{a}/REPORT.md" for a in ENABLED],
        benchmarks=[b for a in ENABLED for b in ARTICLE_BENCHMARKS[a]],
        environment=f"{R}/environment.json",
    output:
        index=f"{R}/REPORT.md",
        front=f"{R}/report_front.rst",
    log:
        f"{W}/logs/report.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        built={a: enabled(a) for a in ARTICLES},
        tier=config["tier"],
        results_dir=lambda wc, output: os.path.dirname(output.index),
    script:
        "../../scripts/common/report.py"


onerror:
    report_after_failure()
