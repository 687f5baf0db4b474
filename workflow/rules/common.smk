# Shared setup: the configuration (shared keys + one section per article), the claims registry, paths,
# and the helpers every article's rules use. Articles are found by their folders (kexue.config).
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError

from kexue import config as kexue_config

ROOT = Path(workflow.basedir)
ARTICLES = kexue_config.article_slugs(ROOT)  # config/articles/<slug>/ with a claims.yaml


def load_config(config: dict) -> None:
    """Defaults, the tier's files, then --configfile/--config values, validated against the shared
    schema and each article's; a wrong key or value stops here with one line naming it."""
    try:
        merged = kexue_config.resolve(ROOT, workflow.config_settings.overwrite_config)
        kexue_config.validate(ROOT, merged)
    except kexue_config.ConfigError as error:
        raise WorkflowError(str(error)) from None
    config.clear()
    config.update(merged)


def load_claims() -> dict:
    """Each article's claims registry (config/articles/<slug>/claims.yaml), validated."""
    try:
        return {a: kexue_config.load_claims(ROOT, a) for a in ARTICLES}
    except kexue_config.ConfigError as error:
        raise WorkflowError(str(error)) from None


load_config(config)
CLAIMS = load_claims()
RESOURCES = yaml.safe_load((ROOT / "config" / "resources.yaml").read_text())

R = config["results_dir"]
W = config["work_dir"]
RES = config["resources_dir"]

# scripts import the library package from the repository, locally, in conda envs and on a cluster
os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [workflow.basedir, os.getenv("PYTHONPATH")])))
os.environ.setdefault("HF_HUB_OFFLINE", "0" if config["network"] else "1")


def enabled(article: str) -> bool:
    return config[article]["enabled"]


ENABLED = [a for a in ARTICLES if enabled(a)]


def article_claims(article: str) -> list:
    return CLAIMS[article]["claims"]


def claim_metrics(article: str) -> list:
    """Metrics files the article's claims are decided from."""
    return sorted({f"{R}/{c['metrics']}" for c in article_claims(article) if "metrics" in c})


ARTICLE_OUTPUTS = {}  # article → its tables and figures, filled in by each article's rules.smk
ARTICLE_BENCHMARKS = {}  # article → its jobs' benchmark files, for the report's runtime table
ARTICLE_REPORT_SECTIONS = {}  # article → metrics files whose "report" entry (title, rows) its report shows


def article_targets() -> list:
    return [f"{R}/{a}/{name}" for a in ENABLED for name in ("verdicts.csv", "REPORT.md")] + [
        out for a in ENABLED for out in ARTICLE_OUTPUTS[a]
    ]


def resource(name: str) -> list:
    """The inputs that give a job resource `name`. Its manifest first, then its data files (so that a
    changed file reruns the job). A script finds the folder with kexue.jobs.resource_folder."""
    return [f"{RES}/{name}/MANIFEST.json"] + [f"{RES}/{name}/{f}" for f in RESOURCES[name]["files"]]


def benchmark(article: str, name: str) -> str:
    """Benchmark files live with the article's results: the report's runtime table reads them."""
    return f"{R}/{article}/benchmarks/{name}.tsv"


def figure(path: str, caption: str, article: str):
    """A figure that snakemake --report shows, with its caption (workflow/report/<article>/<caption>;
    the path is relative to the article's rules.smk, where this is called) and category."""
    return report(path, caption=f"../../report/{article}/{caption}", category=article)


def num(x) -> str:
    """A number as it appears in a path: 0.001, 3e-05, 0.3 (Python's %g, 6 significant digits)."""
    return f"{x:g}"
