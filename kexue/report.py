"""The reports: one page per article (results/<slug>/REPORT.md) and the index (results/REPORT.md).

An article's page shows its claims, our number next to the article's, the verdict, the evidence and
the figure, split by kind (the article's own claims; checks this project adds, such as what holds
instead of a claim that fails as stated; informational measurements), then the informational tables
its metrics offer (a "report" entry: a title and rows of quantity and value, e.g. the whitening
encoder's throughput), its figures, and what its reproduction cost (Snakemake's benchmark files).
The index lists every article of the seeds (config/catalog.yaml), built or not, with verdict counts,
cost and a link to its page.
"""

import os
import re
from pathlib import Path

import pandas as pd

VERDICT_MARK = {
    "reproduced": "✅ reproduced",
    "partially": "◐ partially",
    "not_reproduced": "❌ not reproduced",
    "inconclusive": "❔ inconclusive",
    "error": "⚠ error",
}
VERDICT_ORDER = ["reproduced", "partially", "not_reproduced", "inconclusive", "error"]
KINDS = {
    "claim": "Claims of the article",
    "check": "Checks this project adds",
    "info": "Informational measurements (no claim of the article)",
}


def runtime_table(benchmarks: dict) -> pd.DataFrame:
    """Per article: jobs, summed wall and CPU time, peak memory. `benchmarks` maps article → files;
    a file may hold one row per job (the Lion summaries gather their training runs' rows). An article
    with no benchmark file yet (a run that failed before any job finished) is left out."""
    rows = []
    for article, files in benchmarks.items():
        if not files:
            continue
        frame = pd.concat([pd.read_csv(f, sep="\t") for f in files], ignore_index=True)
        rows.append(
            {
                "article": article,
                "jobs": len(frame),
                "wall_s": frame["s"].sum(),
                "cpu_s": pd.to_numeric(frame["cpu_time"], errors="coerce").sum(),
                "peak_rss_mb": pd.to_numeric(frame["max_rss"], errors="coerce").max(),
            }
        )
    return pd.DataFrame(rows, columns=["article", "jobs", "wall_s", "cpu_s", "peak_rss_mb"])


def total_runtime(benchmarks: dict, steps=()) -> pd.DataFrame:
    """runtime_table's one row for the whole run: every benchmark file once, though a shared step's job
    (`steps`) or a job one article reads from another is listed on several articles' pages."""
    return runtime_table({"all": sorted({f for files in benchmarks.values() for f in files} | set(steps))})


def markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    body = "".join(
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |\n" for row in frame.itertuples(index=False)
    )
    return header + body


def archive_links(archives) -> str:
    """'[7695](https://kexue.fm/archives/7695), …' for a list of archive numbers."""
    return ", ".join(f"[{a}](https://kexue.fm/archives/{a})" for a in archives)


def verdict_counts(verdicts: pd.DataFrame) -> str:
    """'3 ✅ reproduced, 1 ❌ not reproduced' in the order of VERDICT_ORDER."""
    counts = verdicts["verdict"].value_counts()
    return ", ".join(f"{counts[v]} {VERDICT_MARK[v]}" for v in VERDICT_ORDER if v in counts)


def claims_table(verdicts: pd.DataFrame, figure_dir: str = "") -> str:
    """The claims as a table; figure links are made relative to `figure_dir` (the page's folder
    inside the results tree)."""
    shown = pd.DataFrame(
        {
            "claim": [f"[{i}]({u})" for i, u in zip(verdicts["id"], verdicts["url"], strict=True)],
            "statement": verdicts["statement"],
            "article": verdicts["article_value"],
            "ours": verdicts["ours"],
            "scale": verdicts["scale"],
            "verdict": verdicts["verdict"].map(VERDICT_MARK),
            "expected": verdicts["expected"],
            "figure": [f"[figure]({os.path.relpath(f, figure_dir or '.')})" if f else "" for f in verdicts["figure"]],
        }
    )
    return markdown_table(shown)


def metrics_section(section: dict) -> list[str]:
    """Markdown lines of one metrics file's "report" entry: {"title": str, "rows": [{quantity, value}],
    optional "note": str}. Raises ValueError naming what is missing."""
    missing = {"title", "rows"} - set(section)
    if missing or not section["rows"]:
        raise ValueError(f"a report section needs a title and rows; got keys {sorted(section)}")
    lines = [
        f"**{section['title']}**",
        "",
        markdown_table(pd.DataFrame(section["rows"], columns=["quantity", "value"])),
    ]
    return lines + ([section["note"], ""] if section.get("note") else [])


def provenance_line(tier: str, git: dict, made_by: list | None = None) -> str:
    """Which code made the numbers (each commit its outputs' provenance names: kexue.provenance.commits_of)
    and which wrote this page."""

    def commit(sha: str, dirty: bool) -> str:
        return f"`{sha[:12]}`" + (" (with uncommitted changes)" if dirty else "")

    written = commit(git["commit"], git["dirty"])
    if not made_by:
        return (
            f"Tier **{tier}**, code at commit {written}. Generated by the pipeline (`snakemake`), never edited by hand."
        )
    numbers = ", ".join(f"{commit(sha, dirty)} ({n} output{'s' if n > 1 else ''})" for sha, dirty, n in made_by)
    return (
        f"Tier **{tier}**; numbers made by the code at commit {numbers}; this page written at {written}. "
        "Generated by the pipeline (`snakemake`), never edited by hand."
    )


def render_article(
    article: str,
    registry: dict,
    verdicts: pd.DataFrame,
    runtime: pd.DataFrame,
    tier: str,
    git: dict,
    sections: list | None = None,
    made_by: list | None = None,
) -> str:
    """results/<article>/REPORT.md. `registry` is the article's claims.yaml (title, archives),
    `verdicts` its rows of verdicts.csv, `runtime` its row of runtime_table, `sections` the "report"
    entries of its metrics files, `made_by` the commits that made its outputs (provenance.commits_of)."""
    archives = archive_links(registry["archives"])
    lines = [
        f"# {registry['title']} (`{article}`)",
        "",
        f"kexue.fm {archives} · the article's page: [config/articles/{article}/README.md]"
        f"(../../config/articles/{article}/README.md) · decision rules: "
        f"[claims.yaml](../../config/articles/{article}/claims.yaml) · evidence: [verdicts.csv](verdicts.csv)",
        "",
        provenance_line(tier, git, made_by),
        "",
        "Summary: " + verdict_counts(verdicts) + ".",
        "",
    ]
    for kind, heading in KINDS.items():
        rows = verdicts[verdicts["kind"] == kind]
        if len(rows):
            lines += [f"## {heading}", "", claims_table(rows, article)]
    mismatch = verdicts[verdicts["verdict"] != verdicts["expected"]]
    if len(mismatch):
        lines += [
            "Verdicts that differ from the brief's expectation: "
            + ", ".join(
                f"{i} ({v}, expected {e})"
                for i, v, e in zip(mismatch["id"], mismatch["verdict"], mismatch["expected"], strict=True)
            ),
            "",
        ]
    lines += ["## Evidence", ""] + [
        f"- **{i}**: {e}" for i, e in zip(verdicts["id"], verdicts["evidence"], strict=True)
    ]
    lines += [""]
    if sections:
        lines += ["## Measurements", ""]
        for section in sections:
            lines += metrics_section(section)
    figures = sorted({f for f in verdicts["figure"] if f})
    if figures:
        lines += ["## Figures", ""] + [f"![{Path(f).stem}]({os.path.relpath(f, article)})" for f in figures] + [""]
    lines += [
        "## Cost",
        "",
        "Summed over the article's jobs on this tier (Snakemake benchmark files in `benchmarks/`; jobs run "
        "in parallel, so the wall time of a run is lower than the sum).",
        "",
        markdown_table(runtime.drop(columns="article").round(1)),
        "",
    ]
    return "\n".join(lines)


def index_rows(
    catalog: list, verdicts: pd.DataFrame, runtime: pd.DataFrame, built: dict, failed: dict | None = None
) -> pd.DataFrame:
    """One row per article of the seeds. `built` maps a slug with a folder to whether it ran on this
    tier (enabled); a catalog entry may name several slugs (one brief, two targets) or none. `failed`
    maps the slugs whose jobs did not finish to the reason."""
    failed = failed or {}
    rows = []
    for entry in catalog:
        archives = archive_links(entry["archives"])
        slugs = entry["slugs"]
        if not slugs:
            status, counts, cost, target = entry.get("note", "no testable claim"), "", "", "—"
        elif not any(s in built for s in slugs):
            status, counts, cost = f"not built yet (brief `{entry['brief']}`)", "", ""
            target = ", ".join(f"`{s}`" for s in slugs)
        else:
            target = ", ".join(f"[`{s}`](../config/articles/{s}/README.md)" if s in built else f"`{s}`" for s in slugs)
            ran = [s for s in slugs if built.get(s)]
            rows_of = verdicts[verdicts["id"].str.split(".").str[0].isin(ran)]
            counts = verdict_counts(rows_of) if len(rows_of) else ""
            cost = f"{runtime[runtime['article'].isin(ran)]['wall_s'].sum():.0f}" if ran else ""
            status = " · ".join(
                f"⚠ failed: {failed[s]}" if s in failed else f"[report]({s}/REPORT.md)" for s in ran
            ) or ("built, disabled on this tier")
        rows.append(
            {
                "kexue.fm": archives,
                "title": entry["title"],
                "target": target,
                "grade": entry.get("grade", ""),
                "verdicts": counts,
                "jobs' wall s": cost,
                "status": status,
            }
        )
    return pd.DataFrame(rows)


def environment_line(environment: dict | None) -> str:
    """Which environment ran: the lock's digest, the package count, and whether it was the locked set."""
    if not environment:
        return ""
    d = environment["differences"]
    state = (
        "exactly the locked set"
        if environment["matches_lock"]
        else (
            f"not the locked set: {len(d['missing'])} missing, {len(d['extra'])} extra, "
            f"{len(d['other_version'])} at another version (see environment.json)"
        )
    )
    return (
        f"Environment: Python {environment['python']}, {len(environment['packages'])} packages, "
        f"{state} (lock sha256 `{(environment['lock_sha256'] or 'none')[:12]}`, [environment.json](environment.json))."
    )


def render_index(
    catalog: list,
    verdicts: pd.DataFrame,
    runtime: pd.DataFrame,
    built: dict,
    tier: str,
    git: dict,
    environment: dict | None = None,
    failed: dict | None = None,
    total: pd.DataFrame | None = None,
) -> str:
    """results/REPORT.md: every article of the seeds with its verdict counts, cost and page; the
    environment that ran (results/environment.json); the articles whose jobs failed (`failed`: slug →
    reason), said first. `total`: runtime_table's row of every benchmark file counted once (a shared step's
    job and a job one article reads from another are on several pages); the articles' rows summed if absent."""
    total = runtime if total is None else total
    done = sum(any(s in built for s in e["slugs"]) for e in catalog)
    untestable = sum(not e["slugs"] for e in catalog)
    lines = [
        "# Reproduction report: index",
        "",
        provenance_line(tier, git),
        "",
        environment_line(environment),
        "",
        f"{len(catalog)} articles in scope: {done} built ({len(built)} targets), {len(catalog) - done - untestable} "
        f"to come, {untestable} with no testable claim. Claims decided on this tier: {len(verdicts)} "
        f"({verdict_counts(verdicts)}); every claim with its evidence in [verdicts.csv](verdicts.csv), "
        "each article's claims, figures and cost on its page (report).",
        "",
        *(
            [
                f"**This run did not finish: {len(failed)} article(s) failed** ({', '.join(sorted(failed))}); "
                "their claims are listed with verdict `error` and the reason; the next successful run replaces "
                "this index.",
                "",
            ]
            if failed
            else []
        ),
        markdown_table(index_rows(catalog, verdicts, runtime, built, failed)),
        f"Summed job wall time of the articles run, each job once (shared steps included): "
        f"{total['wall_s'].sum():.0f} s ({total['cpu_s'].sum():.0f} CPU s).",
        "",
    ]
    return "\n".join(lines)


def _plain(text) -> str:
    """Markdown cell text as plain rst text: links keep their words, code marks go, rst markup is escaped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", str(text))
    text = text.replace("`", "")
    return re.sub(r"([*|_\\])", r"\\\1", text).strip() or " "


def rst_list_table(frame: pd.DataFrame, title: str) -> str:
    """A table as an rst list-table (cells of any length, unlike grid tables)."""
    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [list(frame.columns), *frame.astype(str).values.tolist()]:
        lines += [f"   {'*' if i == 0 else ' '} - {_plain(cell)}" for i, cell in enumerate(row)]
    return "\n".join(lines) + "\n"


def render_front_page(
    catalog: list,
    verdicts: pd.DataFrame,
    runtime: pd.DataFrame,
    built: dict,
    tier: str,
    git: dict,
    failed: dict | None = None,
) -> str:
    """The first page of `snakemake --report` (the workflow's report: description, rst): the verdicts
    before the rule graph, as the index shows them, then every claim of the articles that ran."""
    failed = failed or {}
    claims = verdicts[["id", "verdict", "ours", "article_value"]].rename(
        columns={"ours": "ours", "article_value": "the article"}
    )
    claims = claims.assign(verdict=claims["verdict"].map(VERDICT_MARK))
    lines = [
        "Reproduction of the claims of Su Jianlin's kexue.fm articles",
        "",
        f"Tier {tier}, code at commit {git['commit'][:12]}{' (with uncommitted changes)' if git['dirty'] else ''}. "
        f"Claims decided: {len(verdicts)} ({verdict_counts(verdicts)}). Each article's figures are under its own "
        "category (left); results/REPORT.md and results/<article>/REPORT.md hold the same with the evidence.",
        "",
        *(
            [f"This run did not finish: {', '.join(sorted(failed))} failed (verdict error, with the reason).", ""]
            if failed
            else []
        ),
        rst_list_table(index_rows(catalog, verdicts, runtime, built, failed), "Articles and verdicts"),
        rst_list_table(claims, "Every claim"),
    ]
    return "\n".join(lines)
