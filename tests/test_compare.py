"""kexue.compare on small synthetic results trees (and once on a tiny git repository)."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kexue import compare

MAIN = Path(__file__).resolve().parents[1]

METRICS = {
    "art/metrics/main.json": {
        "error": 0.25,
        "rows": [{"n": 64, "h": -15.4734}, {"n": 128, "h": -23.1726}],
        "flags": {"meets": True, "label": "cpu"},
        "missing": None,
        "nan": float("nan"),
        "provenance": {"commit": "aaaa", "created": "2026-01-01T00:00:00"},
    },
    "art/metrics/other.json": {"slope": 1.5, "provenance": {"commit": "aaaa"}},
    "art/metrics/speed.json": {"step_ms": 13.9, "torch": "2.13", "provenance": {"commit": "aaaa"}},
}
TIMING = {"art/metrics/speed.json"}
VERDICTS = pd.DataFrame(
    {
        "id": ["art.C1", "art.C2"],
        "verdict": ["reproduced", "partially"],
        "ours": ["0.25", "1.5"],
        "evidence": ["error = 0.25", "slope = 1.5"],
    }
)
BENCHMARK = "s\th:m:s\tmax_rss\n2.5\t0:00:02\t10.0\n1.5\t0:00:01\t11.0\n"


def write_tree(root: Path, metrics=METRICS, verdicts=VERDICTS) -> Path:
    for rel, data in metrics.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1))
    (root / "art/tables").mkdir(parents=True, exist_ok=True)
    (root / "art/tables/t.provenance.json").write_text(json.dumps({"commit": str(root)}))
    (root / "art/benchmarks").mkdir(parents=True, exist_ok=True)
    (root / "art/benchmarks/run.tsv").write_text(BENCHMARK)
    verdicts.to_csv(root / "verdicts.csv", index=False)
    return root


def write_repo(root: Path) -> Path:
    (root / "config/articles/art").mkdir(parents=True)
    (root / "config/articles/art/claims.yaml").write_text(
        "article: art\ntiming_metrics:\n  - art/metrics/speed.json\nclaims: []\n"
    )
    (root / "config/articles/plain").mkdir(parents=True)
    (root / "config/articles/plain/claims.yaml").write_text("article: plain\nclaims: []\n")
    return root


def edit(root: Path, rel: str, change):
    """Apply change(data) to a metrics file of a tree."""
    path = root / rel
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture
def trees(tmp_path):
    return write_tree(tmp_path / "old"), write_tree(tmp_path / "new")


def run_cli(*args, cwd=MAIN):
    return subprocess.run(
        [sys.executable, "-m", "kexue.compare", *map(str, args)], cwd=cwd, capture_output=True, text=True
    )


def test_flatten_skips_provenance_and_numbers_list_items():
    flat = compare.flatten(METRICS["art/metrics/main.json"])
    assert flat["rows.1.h"] == -23.1726 and flat["flags.meets"] is True
    assert not any(k.startswith("provenance") for k in flat)


def test_timing_paths_read_from_claims_yaml(tmp_path):
    assert compare.timing_paths(write_repo(tmp_path / "repo")) == TIMING


def test_identical_trees_nothing_moved(trees):
    report = compare.compare_trees(*trees, TIMING)
    assert report["metrics"]["files_compared"] == 2
    assert report["metrics"]["values_compared"] == 10  # main: 9 leaves, other: 1
    assert report["metrics"]["moved"] == [] and report["verdicts"]["changed"] == []
    assert report["verdicts"]["compared"] == 2
    assert not report["differences"]
    assert report["timings"]["benchmarks"] == [{"article": "art", "old_s": 4.0, "new_s": 4.0, "ratio": 1.0}]


def test_float_noise_passes_and_real_change_reported(trees):
    old, new = trees
    edit(new, "art/metrics/main.json", lambda d: d.update(error=0.25 + 1e-13))
    assert not compare.compare_trees(old, new, TIMING)["differences"]
    edit(new, "art/metrics/main.json", lambda d: d["rows"][1].update(h=-23.1726 * (1 + 1e-3)))
    report = compare.compare_trees(old, new, TIMING)
    assert report["differences"]
    [moved] = report["metrics"]["moved"]
    assert (moved["file"], moved["key"]) == ("art/metrics/main.json", "rows.1.h")
    assert moved["rel_diff"] == pytest.approx(1e-3)
    assert "rows.1.h" in compare.markdown(report)


def test_changed_bool_and_added_key_reported(trees):
    old, new = trees
    edit(new, "art/metrics/main.json", lambda d: (d["flags"].update(meets=False), d.update(extra=1)))
    report = compare.compare_trees(old, new, TIMING)
    assert [m["key"] for m in report["metrics"]["moved"]] == ["flags.meets"]
    assert [a["key"] for a in report["metrics"]["added"]] == ["extra"]
    assert report["differences"]


def test_provenance_differences_ignored(trees):
    old, new = trees
    edit(new, "art/metrics/main.json", lambda d: d.update(provenance={"commit": "bbbb", "x": 2}))
    (new / "art/tables/t.provenance.json").write_text("{}")
    report = compare.compare_trees(old, new, TIMING)
    assert report["metrics"]["moved"] == [] and report["metrics"]["added"] == []
    assert not report["differences"]


def test_changed_verdict_reported_and_exits_1(trees, tmp_path):
    old, new = trees
    changed = VERDICTS.assign(verdict=["reproduced", "not_reproduced"], ours=["0.3", "1.5"])
    changed.to_csv(new / "verdicts.csv", index=False)
    report = compare.compare_trees(old, new, TIMING)
    assert report["verdicts"]["changed"] == [{"id": "art.C2", "old": "partially", "new": "not_reproduced"}]
    assert report["verdicts"]["ours_changed"] == ["art.C1"]
    result = run_cli(old, new, "--repo", write_repo(tmp_path / "repo"))
    assert result.returncode == 1
    assert "art.C2: partially → not_reproduced" in result.stdout


def test_changed_timing_listed_apart_and_exits_0(trees, tmp_path):
    old, new = trees
    edit(new, "art/metrics/speed.json", lambda d: d.update(step_ms=27.8))
    (new / "art/benchmarks/run.tsv").write_text("s\n8.0\n")
    out = tmp_path / "cmp.json"
    result = run_cli(old, new, "--repo", write_repo(tmp_path / "repo"), "--json", out)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["metrics"]["moved"] == []
    assert report["timings"]["changed"] == [
        {"file": "art/metrics/speed.json", "key": "step_ms", "old": 13.9, "new": 27.8, "ratio": 2.0}
    ]
    assert report["timings"]["benchmarks"][0]["ratio"] == 2.0
    assert "timings reported apart (1 files)" in result.stdout.splitlines()[0]


def test_timing_file_counts_as_moved_without_declaration(trees):
    old, new = trees
    edit(new, "art/metrics/speed.json", lambda d: d.update(step_ms=27.8))
    assert compare.compare_trees(old, new, set())["differences"]


def test_file_on_one_side_only_reported(trees):
    old, new = trees
    (new / "art/metrics/other.json").unlink()
    report = compare.compare_trees(old, new, TIMING)
    assert report["files"]["only_old"] == ["art/metrics/other.json"]
    assert report["differences"]
    assert "only in OLD: art/metrics/other.json" in compare.markdown(report)


def test_identical_trees_cli_exits_0(trees, tmp_path):
    result = run_cli(*trees, "--repo", write_repo(tmp_path / "repo"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == (
        "metrics: 10 values compared in 2 files, 0 moved; verdicts: 2 compared, 0 changed; "
        "timings reported apart (1 files)"
    )


def test_missing_folder_exits_2_with_one_line(trees, tmp_path):
    result = run_cli(trees[0], tmp_path / "nowhere")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr


def git(repo, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True
    )


def test_git_revision(tmp_path):
    repo = write_repo(tmp_path / "repo")
    write_tree(repo / "results")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "results")
    edit(repo / "results", "art/metrics/other.json", lambda d: d.update(slope=2.0))
    result = run_cli("git:HEAD", repo / "results", "--repo", repo)
    assert result.returncode == 1, result.stderr
    assert "art/metrics/other.json | slope | 1.5 | 2" in result.stdout
    git(repo, "commit", "-q", "-am", "new slope")
    assert run_cli("git:HEAD~1", "git:HEAD", "--repo", repo).returncode == 1
    assert run_cli("git:HEAD", repo / "results", "--repo", repo).returncode == 0
    bad = run_cli("git:nosuchrev", "git:HEAD", "--repo", repo)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "nosuchrev" in bad.stderr and "Traceback" not in bad.stderr


def test_a_corrupt_metrics_file_gives_one_line_and_exit_2(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for root in (old, new):
        (root / "art" / "metrics").mkdir(parents=True)
        (root / "art" / "metrics" / "m.json").write_text('{"a": 1}')
    (new / "art" / "metrics" / "m.json").write_text('{"a": 1')  # cut short
    result = subprocess.run([sys.executable, "-m", "kexue.compare", str(old), str(new)], capture_output=True, text=True)
    assert result.returncode == 2 and "not a readable metrics file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
