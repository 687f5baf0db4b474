"""Compare two results trees: which numbers moved, which verdicts changed (like `dvc metrics diff`).

Usage:
    python -m kexue.compare OLD NEW [--rtol R] [--atol A] [--json FILE] [--repo DIR]

OLD and NEW are results folders (laid out like results/) or `git:REV`, the results/ folder as
committed at revision REV of the repository. To check a reproduction against the committed one:
    python -m kexue.compare git:HEAD results

What is compared:
  metrics    <slug>/metrics/*.json, flattened to dotted keys (list indices as numbers); every key
             named `provenance` is skipped. A number moved when |old − new| > atol + rtol·|old|
             (NaN equals NaN); bools, strings and null must be equal; keys on one side only are
             reported as added or removed.
  verdicts   verdicts.csv, by claim id: verdicts that changed, claims added or removed, and how many
             claims kept their verdict while their `ours` text changed.
  environment  environment.json of both runs: the same packages, or which changed (reported apart).
  timings    the metrics files an article declares under `timing_metrics:` in
             config/articles/<slug>/claims.yaml of --repo (measured times, not results) are listed
             apart as old → new (ratio), as is each article's summed benchmark wall time
             (<slug>/benchmarks/*.tsv, column s); they never count as a difference.
Files ending .provenance.json, tables and figures are not compared.

Prints a Markdown summary (first line: the counts) and writes the same as JSON with --json.
Exit code: 0 nothing moved, no verdict changed and no compared file on one side only; 1 otherwise;
2 on bad input (a missing folder, a git revision that cannot be read).
"""

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
LIST_LIMIT = 50


class BadInput(Exception):
    """An argument that names no readable results tree; the message says how to fix it."""


# ---- reading a tree ------------------------------------------------------------------------------


def flatten(value, prefix=""):
    """{'a': {'b': [1, 2]}} → {'a.b.0': 1, 'a.b.1': 2}, leaving out every key named provenance."""
    if isinstance(value, dict):
        items = ((str(k), v) for k, v in value.items() if k != "provenance")
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    flat = {}
    for key, child in items:
        flat.update(flatten(child, f"{prefix}.{key}" if prefix else key))
    return flat


def metrics_files(root: Path) -> dict:
    """Relative path ('lion/metrics/exact.json') → path, for every metrics file of the tree."""
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.glob("*/metrics/*.json"))
        if not p.name.endswith(".provenance.json")
    }


def read_metrics(path: Path) -> dict:
    try:
        return flatten(json.loads(path.read_text()))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BadInput(
            f"{path}: not a readable metrics file ({e}); rerun the job that writes it, or restore it with git checkout"
        ) from None


def timing_paths(repo: Path) -> set:
    """Metrics files declared as measured times (timing_metrics: in each article's claims.yaml)."""
    paths = set()
    for claims in sorted(Path(repo).glob("config/articles/*/claims.yaml")):
        with open(claims) as f:
            paths.update((yaml.safe_load(f) or {}).get("timing_metrics") or [])
    return paths


def benchmark_seconds(root: Path) -> dict:
    """Article slug → summed wall seconds (column s, every row) of its benchmarks/*.tsv."""
    seconds = {}
    for tsv in sorted(root.glob("*/benchmarks/*.tsv")):
        s = pd.to_numeric(pd.read_csv(tsv, sep="\t")["s"], errors="coerce").sum()
        slug = tsv.relative_to(root).parts[0]
        seconds[slug] = seconds.get(slug, 0.0) + float(s)
    return seconds


def read_verdicts(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, dtype=str).set_index("id")


# ---- comparing -----------------------------------------------------------------------------------


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def moved(old, new, rtol: float, atol: float) -> bool:
    """Whether a leaf changed: numbers beyond atol + rtol·|old| (NaN = NaN), others exactly."""
    if not (is_number(old) and is_number(new)):
        return type(old) is not type(new) or old != new
    if old == new or (math.isnan(old) and math.isnan(new)):
        return False
    return not abs(old - new) <= atol + rtol * abs(old)  # NaN against a number moved


def relative_difference(old, new):
    """|new − old| / |old|; None when it is not defined (non-numbers, old = 0, NaN)."""
    if not (is_number(old) and is_number(new)) or old == 0 or math.isnan(old - new):
        return None
    return abs(new - old) / abs(old)


def ratio(old, new):
    """new / old for numbers, None otherwise."""
    return new / old if is_number(old) and is_number(new) and old != 0 else None


def compare_leaves(file: str, old: dict, new: dict, rtol: float, atol: float) -> dict:
    """Compared count, moved leaves and keys on one side only, for one flattened metrics file."""
    common = [k for k in old if k in new]
    return {
        "compared": len(common),
        "moved": [
            {"file": file, "key": k, "old": old[k], "new": new[k], "rel_diff": relative_difference(old[k], new[k])}
            for k in common
            if moved(old[k], new[k], rtol, atol)
        ],
        "added": [{"file": file, "key": k, "new": new[k]} for k in new if k not in old],
        "removed": [{"file": file, "key": k, "old": old[k]} for k in old if k not in new],
    }


def compare_metrics(old_root: Path, new_root: Path, timing: set, rtol: float, atol: float):
    """(metrics, timings): files in both trees compared leaf by leaf, timing files apart."""
    old_files, new_files = metrics_files(old_root), metrics_files(new_root)
    both = [f for f in old_files if f in new_files]
    result = {
        "files_compared": 0,
        "values_compared": 0,
        "moved": [],
        "added": [],
        "removed": [],
        "only_old": [f for f in old_files if f not in new_files],
        "only_new": [f for f in new_files if f not in old_files],
    }
    timings = {
        "files": sorted(f for f in set(old_files) | set(new_files) if f in timing),
        "values_compared": 0,
        "changed": [],
    }
    for f in both:
        diff = compare_leaves(f, read_metrics(old_files[f]), read_metrics(new_files[f]), rtol, atol)
        if f in timing:
            timings["values_compared"] += diff["compared"]
            timings["changed"] += [
                {"file": f, "key": d["key"], "old": d["old"], "new": d["new"], "ratio": ratio(d["old"], d["new"])}
                for d in diff["moved"]
            ]
            timings["changed"] += [
                {"file": f, "key": d["key"], "old": d.get("old"), "new": d.get("new"), "ratio": None}
                for d in diff["removed"] + diff["added"]
            ]
            continue
        result["files_compared"] += 1
        result["values_compared"] += diff["compared"]
        for part in ("moved", "added", "removed"):
            result[part] += diff[part]
    return result, timings


def compare_verdicts(old_csv: Path, new_csv: Path) -> dict:
    """Claims by id: verdicts changed, claims added/removed, `ours` changed but verdict kept."""
    if not (old_csv.exists() and new_csv.exists()):
        return {"compared": 0, "changed": [], "added": [], "removed": [], "ours_changed": []}
    old, new = read_verdicts(old_csv), read_verdicts(new_csv)
    common = [i for i in old.index if i in new.index]
    same = [i for i in common if old.at[i, "verdict"] == new.at[i, "verdict"]]
    return {
        "compared": len(common),
        "changed": [
            {"id": i, "old": old.at[i, "verdict"], "new": new.at[i, "verdict"]} for i in common if i not in same
        ],
        "added": [i for i in new.index if i not in old.index],
        "removed": [i for i in old.index if i not in new.index],
        "ours_changed": [i for i in same if old.at[i, "ours"] != new.at[i, "ours"]],
    }


def compare_benchmarks(old_root: Path, new_root: Path) -> list:
    """Per article: summed benchmark wall seconds old and new, and their ratio."""
    old, new = benchmark_seconds(old_root), benchmark_seconds(new_root)
    return [
        {
            "article": a,
            "old_s": old.get(a),
            "new_s": new.get(a),
            "ratio": ratio(old[a], new[a]) if a in old and a in new else None,
        }
        for a in sorted(set(old) | set(new))
    ]


def has_differences(report: dict) -> bool:
    """Anything but timings: moved or added/removed leaves, changed verdicts, files on one side."""
    m, v, f = report["metrics"], report["verdicts"], report["files"]
    return any(
        [m["moved"], m["added"], m["removed"], v["changed"], v["added"], v["removed"], f["only_old"], f["only_new"]]
    )


def compare_environments(old_root: Path, new_root: Path) -> dict:
    """The two runs' environments (environment.json): same, or which packages changed. Reported apart,
    like timings: a changed environment explains moved numbers, it is not one."""
    paths = [root / "environment.json" for root in (old_root, new_root)]
    if not all(p.is_file() for p in paths):
        return {"known": False, "changed": []}
    old, new = (json.loads(p.read_text())["packages"] for p in paths)
    changed = [
        {"package": n, "old": old.get(n), "new": new.get(n)}
        for n in sorted(set(old) | set(new))
        if old.get(n) != new.get(n)
    ]
    return {"known": True, "changed": changed}


def compare_trees(old_root, new_root, timing=frozenset(), rtol=1e-9, atol=1e-12) -> dict:
    """The whole comparison of two results folders, as one JSON-ready dict."""
    old_root, new_root = Path(old_root), Path(new_root)
    metrics, timings = compare_metrics(old_root, new_root, set(timing), rtol, atol)
    only_old, only_new = metrics.pop("only_old"), metrics.pop("only_new")
    old_csv, new_csv = old_root / "verdicts.csv", new_root / "verdicts.csv"
    if old_csv.exists() != new_csv.exists():
        (only_old if old_csv.exists() else only_new).append("verdicts.csv")
    timings["benchmarks"] = compare_benchmarks(old_root, new_root)
    report = {
        "rtol": rtol,
        "atol": atol,
        "metrics": metrics,
        "verdicts": compare_verdicts(old_csv, new_csv),
        "files": {"only_old": only_old, "only_new": only_new},
        "timings": timings,
        "environment": compare_environments(old_root, new_root),
    }
    report["differences"] = has_differences(report)
    return report


# ---- writing the summary -------------------------------------------------------------------------


def fmt(x) -> str:
    if x is None:
        return "–"
    if is_number(x):
        return f"{x:.12g}"
    return json.dumps(x, ensure_ascii=False)


def seconds(x) -> str:
    return "–" if x is None else f"{x:.1f}"


def capped(lines: list, limit: int = LIST_LIMIT) -> list:
    return lines[:limit] + ([f"… and {len(lines) - limit} more"] if len(lines) > limit else [])


def table(header: list, rows: list) -> list:
    def cells(row) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    return [cells(header), cells(["---"] * len(header))] + capped([cells(r) for r in rows])


def summary_line(report: dict) -> str:
    m, v, t, f = report["metrics"], report["verdicts"], report["timings"], report["files"]
    metrics = f"metrics: {m['values_compared']} values compared in {m['files_compared']} files, {len(m['moved'])} moved"
    if m["added"] or m["removed"]:
        metrics += f", {len(m['added'])} keys added, {len(m['removed'])} removed"
    verdicts = f"verdicts: {v['compared']} compared, {len(v['changed'])} changed"
    if v["added"] or v["removed"]:
        verdicts += f", {len(v['added'])} claims added, {len(v['removed'])} removed"
    parts = [metrics, verdicts]
    if f["only_old"] or f["only_new"]:
        parts.append(f"files on one side only: {len(f['only_old']) + len(f['only_new'])}")
    parts.append(f"timings reported apart ({len(t['files'])} files)")
    return "; ".join(parts)


def environment_summary(environment: dict) -> str:
    if not environment["known"]:
        return "Environment: not recorded on both sides (environment.json)."
    if not environment["changed"]:
        return "Environment: the same packages at the same versions."
    changes = ", ".join(f"{d['package']} {d['old'] or '–'} → {d['new'] or '–'}" for d in environment["changed"][:20])
    more = len(environment["changed"]) - 20
    return f"Environment changed: {changes}" + (f" and {more} more" if more > 0 else "") + "."


def markdown(report: dict, old_name: str = "OLD", new_name: str = "NEW") -> str:
    m, v, t, f = report["metrics"], report["verdicts"], report["timings"], report["files"]
    lines = [
        summary_line(report),
        "",
        f"Compared {old_name} → {new_name} (rtol {report['rtol']:g}, atol {report['atol']:g}).",
        "",
        environment_summary(report["environment"]),
        "",
    ]
    if m["moved"]:
        lines += ["## Metrics that moved", ""]
        lines += table(
            ["file", "key", "old", "new", "rel. diff"],
            [
                [
                    d["file"],
                    d["key"],
                    fmt(d["old"]),
                    fmt(d["new"]),
                    "–" if d["rel_diff"] is None else f"{d['rel_diff']:.3g}",
                ]
                for d in m["moved"]
            ],
        ) + [""]
    if m["added"] or m["removed"]:
        lines += ["## Metric keys on one side only", ""]
        lines += table(
            ["file", "key", "old", "new"],
            [[d["file"], d["key"], fmt(d["old"]), "(absent)"] for d in m["removed"]]
            + [[d["file"], d["key"], "(absent)", fmt(d["new"])] for d in m["added"]],
        )
        lines += [""]
    if v["changed"] or v["added"] or v["removed"]:
        lines += ["## Verdicts", ""]
        lines += capped([f"- {d['id']}: {d['old']} → {d['new']}" for d in v["changed"]])
        lines += capped([f"- {i}: added" for i in v["added"]])
        lines += capped([f"- {i}: removed" for i in v["removed"]]) + [""]
    if v["ours_changed"]:
        lines += [
            f"{len(v['ours_changed'])} claims kept their verdict with a changed `ours` text: "
            + ", ".join(capped(v["ours_changed"])),
            "",
        ]
    if f["only_old"] or f["only_new"]:
        lines += ["## Files on one side only", ""]
        lines += capped(
            [f"- only in {old_name}: {p}" for p in f["only_old"]]
            + [f"- only in {new_name}: {p}" for p in f["only_new"]]
        ) + [""]
    lines += ["## Timings (reported apart, never a difference)", ""]
    if t["files"]:
        lines += [
            f"Timing files: {', '.join(t['files'])}; {t['values_compared']} values compared, "
            f"{len(t['changed'])} changed.",
            "",
        ]
    if t["changed"]:
        lines += table(
            ["file", "key", "old", "new", "ratio"],
            [
                [d["file"], d["key"], fmt(d["old"]), fmt(d["new"]), "–" if d["ratio"] is None else f"{d['ratio']:.3g}"]
                for d in t["changed"]
            ],
        ) + [""]
    if t["benchmarks"]:
        lines += table(
            ["article", "benchmark wall s (old)", "new", "ratio"],
            [
                [
                    b["article"],
                    seconds(b["old_s"]),
                    seconds(b["new_s"]),
                    "–" if b["ratio"] is None else f"{b['ratio']:.3g}",
                ]
                for b in t["benchmarks"]
            ],
        ) + [""]
    return "\n".join(lines).rstrip() + "\n"


# ---- the command ---------------------------------------------------------------------------------


def git_results(rev: str, repo: Path, into: Path) -> Path:
    """Extract results/ as committed at rev into `into`; returns the extracted results folder."""
    if rev.startswith("-"):
        raise BadInput(f"git:{rev}: not a revision; give e.g. git:HEAD or git:v1.0")
    archive = subprocess.run(["git", "archive", rev, "results"], cwd=repo, capture_output=True)
    if archive.returncode != 0:
        why = archive.stderr.decode(errors="replace").strip().splitlines()
        raise BadInput(
            f"git:{rev}: cannot read results/ at revision {rev!r} of {repo} "
            f"({why[-1] if why else 'git archive failed'}); give a revision that has "
            f"results/ committed, e.g. git:HEAD, or point --repo at the repository"
        )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "results"


def resolve(spec: str, repo: Path, scratch: Path) -> Path:
    """A folder argument, or git:REV extracted under scratch; BadInput when it is not usable."""
    if spec.startswith("git:"):
        into = Path(tempfile.mkdtemp(dir=scratch))
        return git_results(spec[len("git:") :] or "HEAD", repo, into)
    root = Path(spec)
    if not root.is_dir():
        raise BadInput(
            f"{spec}: no such folder; give a results folder (e.g. results) "
            f"or git:REV for results/ as committed at revision REV"
        )
    if not (root / "verdicts.csv").exists() and not metrics_files(root):
        raise BadInput(
            f"{spec}: not a results tree (no verdicts.csv, no */metrics/*.json); "
            f"give the folder that holds the article folders, e.g. results"
        )
    return root


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m kexue.compare", description="Compare two results trees.")
    parser.add_argument("old", help="results folder or git:REV")
    parser.add_argument("new", help="results folder or git:REV")
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance (1e-9)")
    parser.add_argument("--atol", type=float, default=1e-12, help="absolute tolerance (1e-12)")
    parser.add_argument("--json", type=Path, help="also write the comparison as JSON here")
    parser.add_argument(
        "--repo", type=Path, default=REPO, help="repository for git:REV and config/articles/*/claims.yaml"
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="kexue-compare-"))
    try:
        old = resolve(args.old, args.repo, scratch)
        new = resolve(args.new, args.repo, scratch)
        report = compare_trees(old, new, timing_paths(args.repo), args.rtol, args.atol)
    except BadInput as e:
        print(f"kexue.compare: {e}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report.update(old=args.old, new=args.new)
    print(markdown(report, args.old, args.new), end="")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    return 1 if report["differences"] else 0


if __name__ == "__main__":
    sys.exit(main())
