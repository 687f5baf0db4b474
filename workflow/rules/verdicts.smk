# Claims registry × metrics → verdicts per article, then results/verdicts.csv and results/REPORT.md.


rule article_verdicts:
    input:
        claims="config/claims.yaml",
        metrics=lambda wc: claim_metrics(wc.article),
    output:
        f"{R}/{{article}}/verdicts.csv",
    params:
        claims=lambda wc: article_claims(wc.article),
    log:
        f"{W}/logs/{{article}}/verdicts.log",
    wildcard_constraints:
        article="|".join(ARTICLES),
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../../scripts/common/verdicts.py"


rule verdicts:
    input:
        [f"{R}/{a}/verdicts.csv" for a in ARTICLES if enabled(a)],
    output:
        f"{R}/verdicts.csv",
    log:
        f"{W}/logs/verdicts.log",
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../../scripts/common/merge_verdicts.py"


rule report_markdown:
    """results/REPORT.md: every claim with its verdict and figure, the articles' informational
    measurements (ARTICLE_REPORT_SECTIONS), then what each article cost."""
    input:
        verdicts=f"{R}/verdicts.csv",
        outputs=[out for a in ARTICLES if enabled(a) for out in ARTICLE_OUTPUTS[a]],
        benchmarks=[b for a in ARTICLES if enabled(a) for b in ARTICLE_BENCHMARKS[a]],
        sections=[f for a in ARTICLES if enabled(a) for f in ARTICLE_REPORT_SECTIONS.get(a, [])],
    output:
        f"{R}/REPORT.md",
    params:
        sections={a: ARTICLE_REPORT_SECTIONS.get(a, []) for a in ARTICLES if enabled(a)},
        tier=config["tier"],
        titles={a: title for a, title in ARTICLES.items() if enabled(a)},
        results_dir=lambda wc, output: os.path.dirname(output[0]),
    log:
        f"{W}/logs/report.log",
    conda:
        "../../envs/pipeline.yaml"
    script:
        "../../scripts/common/report.py"
