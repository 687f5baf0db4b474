# Reproduce the claims of Su Jianlin's kexue.fm articles.
#   snakemake --cores 2                      every enabled article, default tier
#   snakemake --cores 2 <slug>               one article (its folder names: config/articles/<slug>/)
#   snakemake --cores 2 --config tier=smoke  the whole DAG in minutes (tests, CI)
# See README.md; each article's page and keys: config/articles/<slug>/README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"


# shared steps that several articles read (config/steps/<name>/: a pretrained proxy model), before them
for step in kexue_config.step_names(ROOT):

    include: f"workflow/rules/steps/{step}.smk"


# each article's helpers and rules, found by its folder (ARTICLES: config/articles/<slug>/)
for article in ARTICLES:

    if Path(workflow.basedir, "workflow", "rules", article, "helpers.smk").is_file():

        include: f"workflow/rules/{article}/helpers.smk"
    include: f"workflow/rules/{article}/rules.smk"


include: "workflow/rules/verdicts.smk"


# the first page of `snakemake --report report.html`: the verdicts (written by rule report_index)
report: f"{R}/report_front.rst"


rule all:
    default_target: True
    input:
        article_targets(),
        f"{R}/verdicts.csv",
        f"{R}/REPORT.md",
