"""The workflow as a user drives it: dry runs per tier and target, lint, bad config, smoke end to end."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from kexue import config as kexue_config

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
ARTICLES = kexue_config.article_slugs(ROOT)
TARGETS = ["all", *ARTICLES]
TIERS = ["smoke", "default", "full"]


def snakemake(*args, check=True):
    result = subprocess.run([*SNAKEMAKE, *args], cwd=ROOT, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def claims():
    return [c for slug in ARTICLES for c in kexue_config.load_claims(ROOT, slug)["claims"]]


@pytest.mark.parametrize("tier", TIERS)
def test_dry_run(tier):
    # every target of the tier in one plan (each snakemake start parses the whole workflow: about 6 s on CI,
    # so a run per target and tier cost minutes); test_articles plans each article's target on its own
    snakemake("-n", *TARGETS, "--quiet", "rules", "--config", f"tier={tier}")


def test_lint_is_clean():
    result = snakemake("--lint", check=False)
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize(
    "override, named",
    [
        ("no_such_key=1", "config key 'no_such_key': unknown key"),
        ("tier=huge", "no tier 'huge'"),
        ("network=maybe", "config key 'network'"),
        ('lion={"bogus": 1}', "config key 'lion.bogus': unknown key; config/articles/lion/schema.yaml allows here:"),
    ],
)
def test_bad_config_stops_before_any_job_with_one_line(override, named):
    result = snakemake("-n", "--config", override, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and named in output
    assert len(output.splitlines()) < 15, output  # one message, not the schema and config dumped


@pytest.mark.parametrize("override", ["network=false", "mirrors={sts: null, mnist: null}", "lion={enabled: false}"])
def test_booleans_and_null_typed_on_the_command_line_are_understood(override):
    snakemake("-n", "--quiet", "rules", "--config", override)


def test_bad_nested_value_names_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dimension_formula:\n  capacity:\n    target: circle\n")
    result = snakemake("-n", "--configfile", str(bad), check=False)
    assert result.returncode != 0
    assert "config key 'dimension_formula.capacity.target': 'circle' is not one of" in result.stderr + result.stdout


def test_vae_seeds_must_name_defined_arms(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("vae_bn:\n  tasks:\n    ptb:\n      seeds: {ghost: 2}\n")
    result = snakemake("-n", "vae_bn", "--configfile", str(bad), check=False)
    assert result.returncode != 0 and "['ghost']" in result.stderr + result.stdout
    assert "vae_bn.tasks.ptb.seeds" in result.stderr + result.stdout


def test_vae_compared_arms_need_two_seeds(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("vae_bn:\n  tasks:\n    ptb:\n      seeds: {ln0.6: 1}\n")
    result = snakemake("-n", "vae_bn", "--configfile", str(bad), check=False)
    assert result.returncode != 0 and "too few for ['ln0.6']" in result.stderr + result.stdout


def rendered_front_page(html: Path) -> str:
    """The report's first page as a browser renders it (headless Chromium, JavaScript run): the DOM."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (make setup installs Debian's chromium when run as root)")
    page = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
            html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert page.returncode == 0, page.stderr
    return page.stdout


@pytest.mark.slow
def test_smoke_tier_end_to_end():
    # from scratch, but without --forceall: that would re-acquire the resources shared with the other
    # tiers and make the default tier's committed results look outdated
    for folder in (ROOT / "results-smoke", ROOT / "work" / "smoke"):
        shutil.rmtree(folder, ignore_errors=True)
    snakemake("--cores", "2", "--config", "tier=smoke")
    results = ROOT / "results-smoke"
    verdicts = pd.read_csv(results / "verdicts.csv", keep_default_na=False)
    assert sorted(verdicts["id"]) == sorted(c["id"] for c in claims())
    assert not (verdicts["verdict"] == "error").any(), verdicts[verdicts["verdict"] == "error"]
    environment = json.loads((results / "environment.json").read_text())
    assert environment["lock_sha256"] and environment["packages"]["torch"].startswith("2.13.0")
    index = (results / "REPORT.md").read_text()
    assert "33 articles in scope:" in index and all(f"[report]({a}/REPORT.md)" in index for a in ARTICLES)
    for slug in ARTICLES:
        page = (results / slug / "REPORT.md").read_text()
        assert all(c["id"] in page for c in claims() if c["id"].startswith(f"{slug}.")) and "## Cost" in page
    for figure in results.glob("*/figures/*.png"):
        assert figure.with_suffix(".svg").is_file()
        assert figure.with_name(figure.stem + ".provenance.json").is_file()
    for table in results.glob("*/tables/*.csv"):
        assert table.with_name(table.stem + ".provenance.json").is_file()
    # the HTML report embeds every figure and opens on the verdicts
    html = results / "report.html"
    snakemake("--report", str(html), "--config", "tier=smoke")
    assert html.stat().st_size > 100_000
    front = rendered_front_page(html)
    assert "<caption>Articles and verdicts</caption>" in front and "<caption>Every claim</caption>" in front
    assert all(c["id"] in front for c in claims())
    # an up-to-date tree has nothing to do
    dry = snakemake("-n", "--config", "tier=smoke")
    assert "Nothing to be done" in dry.stdout + dry.stderr
    # a new (β, γ) grid reruns the whitening evaluations, never the cached encodings (issue 3)
    grid = ROOT / "work" / "smoke" / "new_grid.yaml"
    grid.write_text("tier: smoke\nwhitening:\n  betas: [0.0, 0.25, 1.0]\n")
    result = snakemake("-n", "whitening", "--configfile", str(grid))
    planned = result.stdout + result.stderr
    assert "whitening_evaluate" in planned and "whitening_encode" not in planned


@pytest.mark.slow
def test_a_resource_changed_after_acquisition_is_never_used_silently(tmp_path):
    """On a copy of the workflow (so the real resources/ stay untouched): a flipped byte makes the jobs that
    read the file out of date and stops them with one message; re-acquisition reruns them and only them;
    a new declared checksum re-acquires; an unchanged tree reruns nothing."""
    copy = workflow_copy(tmp_path)
    target = "work/smoke/lion/data/ptb_char.pt"

    def run(*args, check=True):
        result = subprocess.run([*SNAKEMAKE, "--config", "tier=smoke", *args], cwd=copy, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout + result.stderr

    run("--cores", "1", target)
    assert "Nothing to be done" in run("-n", target)
    valid = copy / "resources" / "ptb" / "ptb.valid.txt"
    data = bytearray(valid.read_bytes())
    data[100] ^= 1
    valid.write_bytes(bytes(data))
    planned = run("-n", target)
    assert "lion_data" in planned and "acquire_ptb" not in planned
    failed = run("--cores", "1", target, check=False)
    assert (
        "resource 'ptb'" in failed and "changed after it was acquired" in failed and "delete resources/ptb/" in failed
    )
    assert not (copy / target).exists() or "Removing output files of failed job" in failed
    shutil.rmtree(copy / "resources" / "ptb")  # the fix the message names
    planned = run("-n", target)
    assert "acquire_ptb" in planned and "lion_data" in planned and "acquire_mnist" not in planned
    run("--cores", "1", target)
    assert "Nothing to be done" in run("-n", target)
    # a new upstream version: its declared checksum changes in resources.yaml, so it is acquired anew
    declared = copy / "config" / "resources.yaml"
    declared.write_text(
        declared.read_text().replace("6d1b028ab2267ddceed1ad3cb67d9aadf438b8c7ed74baf5b1182488f6b18231", "0" * 64)
    )
    planned = run("-n", target)
    assert "acquire_ptb" in planned and "lion_data" in planned


def workflow_copy(tmp_path) -> Path:
    """The repository's code and configuration in tmp_path/repo (no results, work, resources), with ../shared
    beside it as in a checkout: runs there leave the real trees alone."""
    copy = tmp_path / "repo"
    skip = shutil.ignore_patterns(".git", ".venv", ".snakemake", "results*", "work", "resources", "__pycache__")
    shutil.copytree(ROOT, copy, ignore=skip)
    if (ROOT.parent / "shared").exists():
        (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    return copy


@pytest.mark.slow
def test_the_report_is_written_when_an_article_fails(tmp_path):
    """A resource no source can provide: its one acquisition job fails, every job that needs it is not
    started, the other article finishes, and results/verdicts.csv and the index still list every claim,
    the failed article's as `error` with the resource's message; the next run rewrites both files."""
    copy = workflow_copy(tmp_path)
    declared = copy / "config" / "resources.yaml"
    intact = declared.read_text()
    declared.write_text(intact.replace("module: treebank", "module: no_such_package_here"))
    only = [
        "--config",
        "tier=smoke",
        *(f"{a}={{enabled: false}}" for a in ARTICLES if a not in ("jl_lemma", "dimension_formula")),
    ]

    def run(*args):
        return subprocess.run([*SNAKEMAKE, "--cores", "2", *only, *args], cwd=copy, capture_output=True, text=True)

    failed = run()
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert output.count("Error in rule") == 1 and "Error in rule acquire_ptb" in output
    verdicts = pd.read_csv(copy / "results-smoke" / "verdicts.csv", keep_default_na=False)
    mine = verdicts[verdicts["id"].str.startswith("dimension_formula.")]
    others = verdicts[verdicts["id"].str.startswith("jl_lemma.")]
    assert len(mine) and (mine["verdict"] == "error").all()
    assert mine["evidence"].str.contains("Resource 'ptb'").all() and mine["evidence"].str.contains("To fix").all()
    assert len(others) and not (others["verdict"] == "error").any()
    index = (copy / "results-smoke" / "REPORT.md").read_text()
    assert "did not finish" in index and "⚠ failed: job acquire_ptb failed" in index
    declared.write_text(intact)  # the resource is back: the next run acquires it and rewrites both files
    planned = run("-n")
    planned = planned.stdout + planned.stderr
    assert all(f"rule {r}:" in planned for r in ("acquire_ptb", "verdicts", "report_index")), planned
    assert "rule jl_lemma_simulation:" not in planned  # what finished is not redone


@pytest.mark.slow
def test_missing_sts_data_fails_once_where_it_is_read(tmp_path):
    """No STS mirror and no network: one job (whitening_sts) fails, naming the sets and the fix; no
    encoding job starts."""
    copy = workflow_copy(tmp_path)
    result = subprocess.run(
        [*SNAKEMAKE, "--cores", "2", "whitening", "--config", "tier=smoke", "mirrors={sts: null}", "network=false"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count("Error in rule") == 1 and "Error in rule whitening_sts" in output, output
    assert "STS sets not available: " in output and "To fix: set the STS mirror folder" in output
    assert "rule whitening_encode:" not in output


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_verdicts_of_an_uninterrupted_one(tmp_path):
    """SIGKILL to the Snakemake process group while jobs run (a power cut): the next run stops on the lock,
    `snakemake --unlock` clears it, the rerun completes, and its verdicts and numbers equal those of a run
    from scratch (--forceall): nothing the killed jobs left behind is trusted."""
    copy = workflow_copy(tmp_path)
    args = [*SNAKEMAKE, "--cores", "2", "--config", "tier=smoke"]
    args += [f"{a}={{enabled: false}}" for a in ARTICLES if a != "jl_lemma"]

    def run(*extra):
        return subprocess.run([*args, *extra], cwd=copy, capture_output=True, text=True)

    first = subprocess.Popen(
        args, cwd=copy, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    finished = copy / "results-smoke" / "jl_lemma" / "benchmarks"
    deadline = time.time() + 300
    while first.poll() is None and time.time() < deadline and not any(finished.glob("*.tsv")):
        time.sleep(0.1)
    assert first.poll() is None, "the run ended before it could be killed part-way"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert not (copy / "results-smoke" / "verdicts.csv").exists()
    locked = run()
    assert locked.returncode != 0 and "cannot be locked" in locked.stdout + locked.stderr
    assert run("--unlock").returncode == 0
    resumed = run()
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    columns = ["id", "verdict", "ours", "evidence"]
    after_kill = pd.read_csv(copy / "results-smoke" / "verdicts.csv", keep_default_na=False)[columns]
    scratch = run("--forceall")
    assert scratch.returncode == 0, scratch.stdout + scratch.stderr
    uninterrupted = pd.read_csv(copy / "results-smoke" / "verdicts.csv", keep_default_na=False)[columns]
    pd.testing.assert_frame_equal(after_kill, uninterrupted)
