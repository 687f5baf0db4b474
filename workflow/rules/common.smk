# Shared setup: tier overrides, schema validation, paths and helpers used by every rule file.
import os
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

ARTICLES = {  # article target → title in the report
    "dimension_formula": "The dimension formula n > 8.33 ln N (kexue.fm 7695, 8711)",
    "jl_lemma": "The Johnson–Lindenstrauss lemma and its applications (kexue.fm 8679, 8706)",
}


def deep_merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_config(config: dict) -> None:
    """Defaults, then the tier's overrides (config/tiers/<tier>.yaml), then --config values.

    Always merged onto config/config.yaml's key order, so that the same settings reach a rule as
    the same params whichever way they were given (--config tier=smoke or --configfile)."""
    base = yaml.safe_load(Path(workflow.basedir, "config", "config.yaml").read_text())
    merged = deep_merge(base, config)
    tier = merged.get("tier", "default")
    if tier != "default":
        path = Path(workflow.basedir) / "config" / "tiers" / f"{tier}.yaml"
        if not path.is_file():
            raise WorkflowError(f"config key 'tier': no tier '{tier}' (expected {path.name} in config/tiers/)")
        merged = deep_merge(merged, yaml.safe_load(path.read_text()))
        merged = deep_merge(merged, workflow.config_settings.overwrite_config)
    config.clear()
    config.update(merged)


resolve_config(config)
validate(config, "../../config/schema/config.schema.yaml")

CLAIMS = yaml.safe_load(Path(workflow.basedir, "config", "claims.yaml").read_text())
validate(CLAIMS, "../../config/schema/claims.schema.yaml")
RESOURCES = yaml.safe_load(Path(workflow.basedir, "config", "resources.yaml").read_text())

R = config["results_dir"]
W = config["work_dir"]
RES = config["resources_dir"]

# scripts import the library package from the repository, locally, in conda envs and on a cluster
os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [workflow.basedir, os.getenv("PYTHONPATH")])))
os.environ.setdefault("HF_HUB_OFFLINE", "0" if config["network"] else "1")


def enabled(article: str) -> bool:
    return config[article]["enabled"]


def article_claims(article: str) -> list:
    return [c for c in CLAIMS["claims"] if c["id"].split(".")[0] == article]


def claim_metrics(article: str) -> list:
    """Metrics files the article's claims are decided from."""
    return sorted({f"{R}/{c['metrics']}" for c in article_claims(article) if "metrics" in c})


ARTICLE_OUTPUTS = {}  # article → its tables and figures, filled in by each article's rule file
ARTICLE_BENCHMARKS = {}  # article → its jobs' benchmark files, for the report's runtime table


def article_targets() -> list:
    return [f"{R}/{a}/verdicts.csv" for a in ARTICLES if enabled(a)] + [
        out for a in ARTICLES if enabled(a) for out in ARTICLE_OUTPUTS[a]
    ]


def resource(name: str) -> str:
    """The manifest a rule depends on to use resource `name`; its files sit beside it."""
    return f"{RES}/{name}/MANIFEST.json"


def benchmark(article: str, name: str) -> str:
    """Benchmark files live with the article's results: the report's runtime table reads them."""
    return f"{R}/{article}/benchmarks/{name}.tsv"


def figure(path: str, caption: str, article: str):
    """A figure that snakemake --report shows, with its caption and category."""
    return report(path, caption=f"../report/{caption}", category=article)


wildcard_constraints:
    N=r"\d+",
    seed=r"\d+",
