"""The reports: an article's page (claims split by kind, relative links, cost) and the index of all articles."""

import pandas as pd
import pytest

from kexue.report import index_rows, metrics_section, render_article, render_index

GIT = {"commit": "0" * 40, "dirty": False}


def verdict(cid, kind="claim", verdict="reproduced", figure=""):
    return {
        "id": cid,
        "kind": kind,
        "url": "https://kexue.fm/archives/1",
        "statement": f"statement of {cid}",
        "article_value": "1",
        "ours": "1",
        "scale": "exact",
        "verdict": verdict,
        "expected": "reproduced",
        "evidence": f"evidence of {cid}",
        "figure": figure,
    }


def runtime(*articles):
    return pd.DataFrame({"article": list(articles), "jobs": 2, "wall_s": 10.0, "cpu_s": 8.0, "peak_rss_mb": 100.0})


def test_article_page_separates_kinds_and_links_relative_to_itself():
    verdicts = pd.DataFrame(
        [
            verdict("art.C1", figure="art/figures/a.png"),
            verdict("art.C1b", "check", "not_reproduced"),
            verdict("art.C2", "info"),
        ]
    )
    section = {"title": "Throughput", "rows": [{"quantity": "ours", "value": "477 sentences/s"}]}
    text = render_article(
        "art", {"title": "An article", "archives": [1, 2]}, verdicts, runtime("art"), "default", GIT, [section]
    )
    claims, checks, info = (
        text.index(h) for h in ("## Claims of the article", "## Checks this project adds", "## Informational")
    )
    assert claims < text.index("art.C1]") < checks < text.index("art.C1b]") < info < text.index("art.C2]")
    assert "[figure](figures/a.png)" in text and "![a](figures/a.png)" in text  # the page sits in results/art/
    assert "art.C1b (not_reproduced, expected reproduced)" in text
    assert "**Throughput**" in text and "| ours | 477 sentences/s |" in text
    assert text.index("**Throughput**") < text.index("## Cost") and "| 2 | 10.0 | 8.0 | 100.0 |" in text
    assert "Summary: 2 ✅ reproduced, 1 ❌ not reproduced." in text and "[2](https://kexue.fm/archives/2)" in text


def test_article_page_names_every_commit_that_made_its_numbers():
    made_by = [("a" * 12, False, 12), ("b" * 12, True, 1)]
    text = render_article(
        "art",
        {"title": "An article", "archives": [1]},
        pd.DataFrame([verdict("art.C1")]),
        runtime("art"),
        "default",
        GIT,
        made_by=made_by,
    )
    assert f"`{'a' * 12}` (12 outputs), `{'b' * 12}` (with uncommitted changes) (1 output)" in text
    assert f"this page written at `{GIT['commit'][:12]}`" in text


def test_bad_report_section_is_refused():
    with pytest.raises(ValueError, match="title and rows"):
        metrics_section({"rows": []})


CATALOG = [
    {"archives": [1], "title": "Built", "brief": "built.md", "grade": "A", "slugs": ["built"]},
    {"archives": [2, 3], "title": "Two targets", "brief": "two.md", "grade": "B", "slugs": ["one", "two"]},
    {"archives": [4], "title": "Planned", "brief": "planned.md", "grade": "C", "slugs": ["planned"]},
    {"archives": [5], "title": "Dispute", "grade": "D", "slugs": [], "note": "no testable claim"},
    {"archives": [6], "title": "Switched off", "brief": "off.md", "grade": "A", "slugs": ["off"]},
]


def test_index_lists_every_article_with_its_status():
    verdicts = pd.DataFrame([verdict("built.C1"), verdict("one.C1", verdict="inconclusive"), verdict("two.C1")])
    rows = index_rows(
        CATALOG, verdicts, runtime("built", "one", "two"), {"built": True, "one": True, "two": True, "off": False}
    )
    assert len(rows) == len(CATALOG)
    assert rows.loc[0, "verdicts"] == "1 ✅ reproduced" and rows.loc[0, "status"] == "[report](built/REPORT.md)"
    assert rows.loc[1, "verdicts"] == "1 ✅ reproduced, 1 ❔ inconclusive" and rows.loc[1, "jobs' wall s"] == "20"
    assert rows.loc[2, "status"].startswith("not built yet") and rows.loc[2, "verdicts"] == ""
    assert rows.loc[3, "status"] == "no testable claim"
    assert rows.loc[4, "status"] == "built, disabled on this tier"
    text = render_index(
        CATALOG,
        verdicts,
        runtime("built", "one", "two"),
        {"built": True, "one": True, "two": True, "off": False},
        "smoke",
        GIT,
    )
    assert (
        "5 articles in scope: 3 built (4 targets), 1 to come, 1 with no testable claim" in text
        and "Claims decided on this tier: 3" in text
    )
