# Reproduce the claims of Su Jianlin's kexue.fm articles.
#   snakemake --cores 2                      everything enabled, default tier
#   snakemake --cores 2 <article>            one article (dimension_formula, jl_lemma, lion, whitening)
#   snakemake --cores 2 --config tier=smoke  the whole DAG in minutes (tests, CI)
# See README.md; every config key is documented in config/README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/dimension_formula.smk"
include: "workflow/rules/jl_lemma.smk"
include: "workflow/rules/lion.smk"
include: "workflow/rules/whitening.smk"
include: "workflow/rules/vae_bn.smk"
include: "workflow/rules/verdicts.smk"


rule all:
    input:
        article_targets(),
        f"{R}/verdicts.csv",
        f"{R}/REPORT.md",
    default_target: True
