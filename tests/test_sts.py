"""Tests for kexue.sts: row counts of the real mirror (../shared/data/sts), empty-score lines, csv
quoting, the missing-subset labels, the one clear error, and the hub path with a fake load_dataset."""

from pathlib import Path

import datasets
import pandas as pd
import pytest

from kexue import sts
from kexue.sts import (
    MISSING_FROM_MIRROR,
    STSDataError,
    coverage_label,
    load_sts,
    read_semeval,
    subsets,
    target_sentences,
)

MIRROR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "sts"


@pytest.fixture(autouse=True)
def no_hub(monkeypatch):
    """Any test that reaches the hub without asking for it fails."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected hub call load_dataset{args}")

    monkeypatch.setattr(datasets, "load_dataset", refuse)


def split_counts(frame):
    return frame["split"].value_counts().to_dict()


# --------------------------------------------------------------------------- the mirror


def test_stsb_split_sizes_match_the_readme():
    frame = load_sts("stsb", MIRROR)
    assert split_counts(frame) == {"train": 5749, "dev": 1500, "test": 1379}
    assert list(frame.columns) == ["sentence1", "sentence2", "score", "split", "subset"]
    assert frame["score"].dtype == "float64" and frame["score"].between(0, 5).all()
    assert frame.attrs["source"] == f"mirror {MIRROR}" and coverage_label(frame) == "full"


def test_sick_relatedness_test_split_has_4927_pairs():
    frame = load_sts("sickr", MIRROR)
    assert split_counts(frame) == {"train": 4500, "dev": 500, "test": 4927}
    assert frame["score"].between(1, 5).all()
    first = frame[frame.split == "test"].iloc[0]  # pair_ID 6 of SICK_test_annotated.txt (CRLF lines)
    assert first.sentence2 == "A group of kids is playing in a yard and an old man is standing in the background"
    assert first.score == 3.3
    assert not frame["sentence2"].str.contains("\r").any()


@pytest.mark.parametrize(
    "task, counts",
    [
        ("sts12", {"MSRpar": 750, "OnWN": 750, "SMTeuroparl": 459, "SMTnews": 399}),
        ("sts13", {"FNWN": 189, "headlines": 750, "OnWN": 561}),
        (
            "sts14",
            {"deft-forum": 450, "deft-news": 300, "headlines": 750, "images": 750, "OnWN": 750, "tweet-news": 750},
        ),
        ("sts15", {"answers-forums": 375, "answers-students": 750, "belief": 375, "headlines": 750, "images": 750}),
        (
            "sts16",
            {"answer-answer": 254, "headlines": 249, "plagiarism": 230, "postediting": 244, "question-question": 209},
        ),
    ],
)
def test_semeval_subset_sizes_are_senteval_s(task, counts):
    frame = load_sts(task, MIRROR)
    assert frame.groupby("subset").size().to_dict() == counts
    assert split_counts(frame) == {"test": sum(counts.values())}
    assert len(subsets(frame)["all"]) == sum(counts.values())  # pooled "all" = the concatenation


def test_empty_score_lines_are_skipped():
    path = MIRROR / "semeval" / "2016" / "answer-answer.test.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    scored = [line.split("\t") for line in lines if line.split("\t")[0] != ""]
    assert len(lines) == 1572 and len(scored) == 254
    frame = read_semeval(path, "answer-answer")
    assert frame["sentence1"].tolist() == [s[1] for s in scored]
    assert frame["score"].tolist() == [float(s[0]) for s in scored]


def test_quotes_are_read_verbatim_line_by_line(tmp_path):
    # a quoting reader would glue the lines between the two lone '"' into one field
    path = tmp_path / "q.test.tsv"
    lines = ['4.0\t"He said so\tHe said', "\tno gold\there", "2.5\tNA\tnull", '1\tit "ends\there"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = read_semeval(path, "q")
    assert frame["sentence1"].tolist() == ['"He said so', "NA", 'it "ends']
    assert frame["sentence2"].tolist() == ["He said", "null", 'here"']
    assert frame["score"].tolist() == [4.0, 2.5, 1.0]


def test_every_semeval_file_keeps_one_row_per_scored_line():
    for task, parts in subsets_on_disk().items():
        frame = load_sts(task, MIRROR)
        for subset, path in parts.items():
            fields = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
            rows = frame[frame.subset == subset]
            assert len(rows) == sum(1 for f in fields if f[0] != ""), path.name
            assert rows["sentence2"].tolist() == [f[2] for f in fields if f[0] != ""], path.name


def subsets_on_disk():
    return {
        f"sts{year - 2000}": {
            p.name.removesuffix(".test.tsv"): p for p in (MIRROR / "semeval" / str(year)).glob("*.test.tsv")
        }
        for year in range(2012, 2017)
    }


def test_missing_subsets_are_recorded_for_the_report():
    assert MISSING_FROM_MIRROR == {"sts12": ("MSRvid",), "sts13": ("SMT",)}
    for task in ("sts12", "sts13"):
        frame = load_sts(task, MIRROR)
        assert frame.attrs["missing_subsets"] == MISSING_FROM_MIRROR[task]
        assert coverage_label(frame) == "mirror subset"
    assert coverage_label(load_sts("sts14", MIRROR)) == "full"


def test_chinese_sets():
    stsb = load_sts("zh-stsb", MIRROR)
    assert split_counts(stsb) == {"train": 5231, "dev": 1458, "test": 1361}
    assert stsb.iloc[0].sentence1 == "一架飞机要起飞了。"
    atec = load_sts("zh-atec", MIRROR)
    assert split_counts(atec) == {"dev": 20000, "test": 20000}
    assert set(atec["score"].unique()) == {0.0, 1.0}


def test_target_sentences_keep_both_sides_and_duplicates():
    frame = load_sts("stsb", MIRROR)
    target = target_sentences(frame)
    assert len(target) == 2 * 8628
    assert target[:3] == frame["sentence1"].tolist()[:3] and target[8628] == frame["sentence2"].iloc[0]
    assert len(set(target)) < len(target)  # STS-B repeats sentences; they stay (T11)


# --------------------------------------------------------------------------- errors


def test_missing_files_raise_one_clear_error(tmp_path):
    with pytest.raises(STSDataError) as error:
        load_sts("stsb", tmp_path, network=False)
    message = str(error.value)
    for part in (
        "'stsb'",
        f"mirror {tmp_path}",
        "stsbenchmark.tsv.gz",
        "hub mteb/stsbenchmark-sts: network disabled",
        "mirrors.sts",
        "network: true",
    ):
        assert part in message


def test_missing_mirror_and_sets_without_offline_copy():
    with pytest.raises(STSDataError, match="no mirror folder configured"):
        load_sts("sts14")
    with pytest.raises(STSDataError, match="C-MTEB/BQ"):
        load_sts("zh-bq", MIRROR)
    with pytest.raises(KeyError, match="unknown STS task"):
        load_sts("sts17", MIRROR)


# --------------------------------------------------------------------------- the hub (faked)


def fake_hub(monkeypatch, tables, fail=None):
    calls = []

    def load_dataset(path, split=None, **kwargs):
        calls.append((path, split))
        if fail:
            raise fail
        return datasets.Dataset.from_dict(tables[(path, split)])

    monkeypatch.setattr(datasets, "load_dataset", load_dataset)
    return calls


def rows(n, tag):
    return {
        "sentence1": [f"{tag} a{i}" for i in range(n)],
        "sentence2": [f"{tag} b{i}" for i in range(n)],
        "score": [float(i % 6) for i in range(n)],
    }


def test_hub_stsb_maps_the_three_splits(monkeypatch, tmp_path):
    tables = {("mteb/stsbenchmark-sts", s): rows(n, s) for s, n in (("train", 4), ("validation", 3), ("test", 2))}
    calls = fake_hub(monkeypatch, tables)
    frame = load_sts("stsb", tmp_path, network=True)  # the mirror folder is empty: falls through to the hub
    assert calls == [("mteb/stsbenchmark-sts", s) for s in ("train", "validation", "test")]
    assert split_counts(frame) == {"train": 4, "dev": 3, "test": 2}
    assert frame.attrs["source"] == "hub mteb/stsbenchmark-sts" and coverage_label(frame) == "full"
    assert frame["score"].dtype == "float64"


def test_hub_semeval_sets_are_pooled_test_only(monkeypatch):
    calls = fake_hub(monkeypatch, {("mteb/sts12-sts", "test"): rows(5, "t")})
    frame = load_sts("sts12", None, network=True)
    assert calls == [("mteb/sts12-sts", "test")]
    assert frame["subset"].unique().tolist() == ["all"] and frame.attrs["subsets_known"] is False
    assert coverage_label(frame) == "full" and list(subsets(frame)) == ["all"]


def test_the_mirror_wins_over_the_hub(monkeypatch):
    calls = fake_hub(monkeypatch, {})
    assert len(load_sts("sts16", MIRROR, network=True)) == 1186
    assert calls == []


def test_hub_failure_is_reported_with_the_mirror_reason(monkeypatch, tmp_path):
    fake_hub(monkeypatch, {}, fail=ConnectionError("no route to host"))
    with pytest.raises(STSDataError) as error:
        load_sts("sickr", tmp_path, network=True)
    message = str(error.value)
    assert "SICK_train.txt" in message and "hub mteb/sickr-sts: ConnectionError: no route to host" in message


def test_hub_without_the_expected_columns(monkeypatch):
    fake_hub(monkeypatch, {("mteb/sts14-sts", "test"): {"text1": ["a"], "text2": ["b"], "label": [1.0]}})
    with pytest.raises(STSDataError, match="lacks column"):
        load_sts("sts14", None, network=True)


def test_every_task_names_a_hub_id_and_splits():
    for name, task in sts.TASKS.items():
        assert task.name == name and "/" in task.hub_id
        assert set(task.hub_splits) <= set(sts.HUB_SPLITS)
    assert isinstance(load_sts("sts13", MIRROR), pd.DataFrame)
