"""Completeness of every built article (config/articles/<slug>/): what "adding an article" must deliver.

Per article: its folders exist; every claim of its brief is registered, and every registered claim has a
producer and a figure in the default plan; every key is described; every caption exists; its rule names
and outputs carry its slug; its tier files validate; its library and scripts import no other article.
"""

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from kexue import config as kexue_config

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = kexue_config.article_slugs(ROOT)
BRIEFS = ROOT / ".." / "shared" / "articles"  # the briefs sit beside the repository, never inside it


def registry(slug):
    return kexue_config.load_claims(ROOT, slug)


@cache
def default_plan() -> list[tuple[str, str]]:
    """(output file, rule) of every job of the default tier's DAG (snakemake --summary, a dry run)."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--summary"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    rows = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    return [(row[0], row[2]) for row in rows[1:]]


def library_files(slug) -> list[Path]:
    """The article's own library: kexue/<slug>.py or the package kexue/<slug>/."""
    return [p for p in [ROOT / "kexue" / f"{slug}.py"] if p.is_file()] + sorted((ROOT / "kexue" / slug).glob("*.py"))


def brief_claim_ids(slug) -> set:
    """The claim ids of the brief's claims table, as registry ids. Briefs either name them `slug.name`, or
    (the four older ones) use C-numbers whose family (C4, C5) tells which of the brief's articles owns them."""
    path = BRIEFS / registry(slug)["brief"]
    assert path.is_file(), f"brief {path.name} not found beside the repository ({BRIEFS})"
    first_cells = [line.split("|")[1].strip() for line in path.read_text().splitlines() if line.startswith("| ")]
    named = {m.group(1) for cell in first_cells if (m := re.fullmatch(rf"`({slug}\.\w+)`", cell))}
    numbered = {cell for cell in first_cells if re.fullmatch(r"C\d+\.\d+[a-z]?", cell)}
    families = {c["id"].split(".")[1] for c in registry(slug)["claims"]}
    return named | {f"{slug}.{c}" for c in numbered if c.split(".")[0] in families}


@pytest.mark.parametrize("slug", ARTICLES)
def test_article_has_its_folders(slug):
    for folder in ["config/articles", "workflow/rules", "workflow/report", "scripts"]:
        assert (ROOT / folder / slug).is_dir(), f"{folder}/{slug}/ missing"
    for name in ["config.yaml", "schema.yaml", "claims.yaml", "README.md"]:
        assert (ROOT / "config" / "articles" / slug / name).is_file(), name
    assert (ROOT / "workflow" / "rules" / slug / "rules.smk").is_file()
    assert library_files(slug), f"no library: kexue/{slug}.py or kexue/{slug}/"
    assert list((ROOT / "tests").glob(f"test_{slug}*.py")), f"no tests/test_{slug}*.py"
    catalog = yaml.safe_load((ROOT / "config" / "catalog.yaml").read_text())["articles"]
    assert any(slug in entry["slugs"] for entry in catalog), "not in config/catalog.yaml"


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_claim_of_the_brief_is_registered(slug):
    registered = {c["id"] for c in registry(slug)["claims"]}
    assert brief_claim_ids(slug) <= registered, brief_claim_ids(slug) - registered


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_claim_has_a_producer_and_a_figure_in_the_plan(slug):
    planned = {path for path, _ in default_plan()}
    for claim in registry(slug)["claims"]:
        if "not_evaluated" in claim["rule"]:
            assert "metrics" not in claim, claim["id"]
            continue
        assert claim["metrics"].startswith(f"{slug}/metrics/") and claim["figure"].startswith(f"{slug}/figures/")
        assert f"results/{claim['metrics']}" in planned, claim["id"]
        assert f"results/{claim['figure']}" in planned, claim["id"]
    assert f"results/{slug}/REPORT.md" in planned and f"results/{slug}/verdicts.csv" in planned


def undescribed(schema: dict, path: str = "") -> list:
    """Properties (at any depth, $defs included) without a description."""
    missing = []
    for name, node in schema.get("properties", {}).items():
        if "description" not in node:
            missing.append(f"{path}{name}")
        missing += undescribed(node, f"{path}{name}.")
    for name, node in schema.get("$defs", {}).items():
        missing += undescribed(node, f"$defs.{name}.")
    return missing


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_key_is_described(slug):
    schema = yaml.safe_load((ROOT / "config" / "articles" / slug / "schema.yaml").read_text())
    assert undescribed(schema) == []


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_caption_exists_and_is_used(slug):
    rules = "".join(p.read_text() for p in (ROOT / "workflow" / "rules" / slug).glob("*.smk"))
    used = set(re.findall(rf'figure\([^)]*?"([a-z_0-9]+\.rst)", "{slug}"\)', rules))
    present = {p.name for p in (ROOT / "workflow" / "report" / slug).glob("*.rst")}
    assert used and used == present, (used, present)


@pytest.mark.parametrize("slug", ARTICLES)
def test_rule_names_and_outputs_carry_the_slug(slug):
    rules = "".join(p.read_text() for p in (ROOT / "workflow" / "rules" / slug).glob("*.smk"))
    names = re.findall(r"^(?:rule|checkpoint) (\w+):", rules, flags=re.M)
    assert names and all(n == slug or n.startswith(f"{slug}_") for n in names), names
    outputs = [path for path, rule in default_plan() if rule in names]
    assert outputs and all(p.startswith((f"results/{slug}/", f"work/default/{slug}/")) for p in outputs), outputs


@pytest.mark.parametrize("slug", ARTICLES)
@pytest.mark.parametrize("tier", ["default", "smoke", "full"])
def test_tier_files_validate(slug, tier):
    config = kexue_config.resolve(ROOT, {"tier": tier})
    kexue_config.validate(ROOT, config)
    assert config[slug]


def imported_modules(path: Path) -> set:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("slug", ARTICLES)
def test_article_imports_no_other_article(slug):
    others = [a for a in ARTICLES if a != slug]
    for path in library_files(slug) + sorted((ROOT / "scripts" / slug).glob("*.py")):
        foreign = {
            m for m in imported_modules(path) for o in others if m == f"kexue.{o}" or m.startswith(f"kexue.{o}.")
        }
        assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


def test_shared_library_imports_no_article():
    shared = [p for p in (ROOT / "kexue").glob("*.py") if p.stem not in ARTICLES]
    for path in shared:
        articles = {
            m for m in imported_modules(path) for a in ARTICLES if m == f"kexue.{a}" or m.startswith(f"kexue.{a}.")
        }
        assert not articles, f"{path.relative_to(ROOT)} (shared) imports {sorted(articles)}"


def test_scripts_and_benchmarks_import_what_the_library_has():
    """Scripts run only inside jobs: a stale import after a library change would first show in a run."""
    import importlib

    for path in sorted((ROOT / "scripts").rglob("*.py")) + sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kexue":
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name) or importlib.util.find_spec(f"{node.module}.{alias.name}"), (
                        f"{path.relative_to(ROOT)}: from {node.module} import {alias.name}"
                    )


@pytest.mark.parametrize("slug", ARTICLES)
def test_committed_verdicts_follow_from_committed_metrics(slug):
    """Re-decide every claim from the committed metrics by the registry's rules (kexue.verdicts) and compare
    with the committed results/<slug>/verdicts.csv: no verdict, number or evidence is written by hand."""
    import pandas as pd

    from kexue.jobs import read_json
    from kexue.verdicts import decide

    committed = ROOT / "results" / slug / "verdicts.csv"
    assert committed.is_file(), f"{committed} is not committed: run snakemake {slug} and commit results/{slug}/"
    rows = pd.read_csv(committed, keep_default_na=False, dtype=str).set_index("id")
    errors = rows[rows["verdict"] == "error"]
    assert errors.empty, (
        f"committed errors (a key the rule or a guard reads is missing?): {errors['evidence'].to_dict()}"
    )
    for claim in registry(slug)["claims"]:
        metrics = read_json(ROOT / "results" / claim["metrics"]) if "metrics" in claim else {}
        outcome = decide(claim, metrics)
        row = rows.loc[claim["id"]]
        assert (row["verdict"], row["ours"], row["evidence"]) == (
            outcome["verdict"],
            outcome["ours"],
            outcome["evidence"],
        ), claim["id"]


@pytest.mark.parametrize("slug", ARTICLES)
def test_the_article_target_builds_its_page(slug):
    """`snakemake <slug>` leaves nothing of the article stale: its report page is among the target's inputs."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--forceall", slug, "--quiet", "rules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "article_report" in result.stdout + result.stderr


@pytest.mark.parametrize("slug", ARTICLES)
def test_every_caption_is_clean_rst(slug):
    """A caption is rst in the HTML report: a bare |x| is a substitution reference and renders as an error box."""
    from docutils import nodes
    from docutils.core import publish_doctree

    for caption in sorted((ROOT / "workflow" / "report" / slug).glob("*.rst")):
        tree = publish_doctree(caption.read_text(), settings_overrides={"report_level": 5, "halt_level": 5})
        # with reports silenced, docutils leaves a `problematic` node where it would have reported an error
        problems = [m.astext() for m in tree.findall(nodes.problematic)]
        assert problems == [], f"{caption.relative_to(ROOT)}: {problems}"
