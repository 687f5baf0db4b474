"""Semantic-textual-similarity sets for the whitening claims: the local mirror or the Hugging Face hub.

Every loader returns one pandas DataFrame, a row per sentence pair, with columns

    sentence1, sentence2  str
    score                 float64 (gold: 0–5 for STS, 1–5 for SICK-R, 0/1 for ATEC, BQ, LCQMC, PAWSX)
    split                 "train", "dev" or "test" (SICK "trial" and the Chinese "valid" are "dev")
    subset                the SemEval subset (e.g. "MSRpar") for STS12–16, else the task name

and, in `df.attrs`, `task`, `source` (the folder or hub id it came from), `missing_subsets` (SemEval
subsets the source lacks), `subsets_known` (False when the source pools the subsets unlabelled)
and `notes` (what differs between the sources for this set).

Sources are tried in order: the mirror folder from configuration (`../shared/data/sts` in tests and
CI; layout in its README), then the hub when the network is enabled. The mirror wins whenever it has
the files, so the hub is never called when a local copy exists. A set that no source provides
raises one STSDataError naming the set, what each source answered, and how to provide it.

What the sources hold (traps T7, T10 of the whitening brief):
- The mirror's SemEval 2012 lacks MSRvid and its 2013 lacks SMT, so its STS12/STS13 scores are a
  "mirror subset" (`coverage_label`). SentEval's STS13 has no SMT either (it was never released
  publicly), so the mirror's STS13 pairs (1500) match SentEval's and `mteb/sts13-sts`; STS12
  (3108 pairs in full, 2358 on the mirror) does not.
- `mteb/sts12-sts` … `mteb/sts16-sts` are used through their test split (sts12 also has a train
  split, which SentEval's STS12 does not use). They have only sentence1, sentence2 and score, with
  no subset column: from the hub the per-subset scores, and so SentEval's pair-weighted mean over
  subsets, cannot be computed; only the pooled "all" Spearman can.
- `mteb/sickr-sts` is test-only and holds all 9,927 SICK pairs (MTEB's task statistics), not
  SemEval's 4,927-pair test split that SentEval and the port score: a hub SICK-R score is not
  comparable with §4 of the brief. The mirror has SICK's train/trial/test (4500/500/4927); the
  "target" statistics use all 9,927 pairs from either source.
- The Chinese sets come from C-MTEB (`C-MTEB/STSB`, `C-MTEB/ATEC`, `C-MTEB/BQ`, `C-MTEB/LCQMC`,
  `C-MTEB/PAWSX`; train/validation/test, columns sentence1, sentence2, score). The mirror has
  Chinese STS-B (train/valid/test, the same 5231/1458/1361 pairs) and ATEC valid/test only.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kexue.resources import ResourceError

COLUMNS = ["sentence1", "sentence2", "score", "split", "subset"]

# SemEval test subsets per year, as named in the mirror; the first two years' full lists include the
# subsets the mirror lacks.
SEMEVAL_SUBSETS = {
    "sts12": ("MSRpar", "MSRvid", "OnWN", "SMTeuroparl", "SMTnews"),
    "sts13": ("FNWN", "headlines", "OnWN", "SMT"),
    "sts14": ("deft-forum", "deft-news", "headlines", "images", "OnWN", "tweet-news"),
    "sts15": ("answers-forums", "answers-students", "belief", "headlines", "images"),
    "sts16": ("answer-answer", "headlines", "plagiarism", "postediting", "question-question"),
}
MISSING_FROM_MIRROR = {"sts12": ("MSRvid",), "sts13": ("SMT",)}

HUB_SPLITS = {"train": "train", "validation": "dev", "test": "test"}


class STSDataError(ResourceError):
    pass


class SourceUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Task:
    """Where one STS set lives: a mirror reader (None: no offline copy) and a hub id with its splits."""

    name: str
    hub_id: str
    hub_splits: tuple[str, ...]
    read_mirror: Callable[[Path], pd.DataFrame] | None = None
    notes: str = field(default="", compare=False)


# --------------------------------------------------------------------------- mirror files


def read_tsv(path: Path, names: list[str], header: bool = False) -> pd.DataFrame:
    """A tab-separated file read verbatim: every field a string, csv quoting off (SemEval and STS-B
    sentences contain unbalanced '"' that a quoting reader would merge across lines), and no NA
    guessing (a sentence such as "NA" or "null" stays a string). CRLF line ends (SICK) are dropped."""
    if not path.is_file():
        raise SourceUnavailable(f"missing file {path}")
    frame = pd.read_csv(
        path,
        sep="\t",
        header=0 if header else None,
        names=None if header else names,
        quoting=csv.QUOTE_NONE,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8",
        engine="c",
    )
    if header and not set(names) <= set(frame.columns):
        raise SourceUnavailable(f"{path} has columns {list(frame.columns)}, expected {names}")
    return frame


def _scored(frame: pd.DataFrame, s1: str, s2: str, score: str, split: str | pd.Series, subset: str) -> pd.DataFrame:
    """The common frame; rows whose score field is empty have no gold and are dropped."""
    keep = frame[score].str.strip() != ""
    frame = frame[keep]
    return pd.DataFrame(
        {
            "sentence1": frame[s1].to_numpy(dtype=object),
            "sentence2": frame[s2].to_numpy(dtype=object),
            "score": frame[score].astype(np.float64).to_numpy(),
            "split": split[keep].to_numpy(dtype=object) if isinstance(split, pd.Series) else split,
            "subset": subset,
        }
    )


def read_semeval(path: Path, subset: str) -> pd.DataFrame:
    """One SemEval test subset, `score \\t sentence1 \\t sentence2` without header. In 2015 and 2016
    most lines have an empty score (pairs never annotated); they are skipped."""
    frame = read_tsv(path, ["score", "sentence1", "sentence2"])
    return _scored(frame, "sentence1", "sentence2", "score", "test", subset)


def mirror_semeval(task: str) -> Callable[[Path], pd.DataFrame]:
    year = "20" + task[-2:]

    def read(root: Path) -> pd.DataFrame:
        present = [s for s in SEMEVAL_SUBSETS[task] if s not in MISSING_FROM_MIRROR.get(task, ())]
        return pd.concat(
            [read_semeval(root / "semeval" / year / f"{s}.test.tsv", s) for s in present], ignore_index=True
        )

    return read


def mirror_stsb(root: Path) -> pd.DataFrame:
    """STS Benchmark, the sentence-transformers TSV: split train/dev/test in its first column."""
    names = ["split", "genre", "dataset", "year", "sid", "score", "sentence1", "sentence2"]
    frame = read_tsv(root / "stsbenchmark" / "stsbenchmark.tsv.gz", names, header=True)
    return _scored(frame, "sentence1", "sentence2", "score", frame["split"], "stsb")


def mirror_sick(root: Path) -> pd.DataFrame:
    """SICK with its relatedness score (SICK-R): train, trial (→ dev) and test_annotated (→ test)."""
    names = ["pair_ID", "sentence_A", "sentence_B", "relatedness_score", "entailment_judgment"]
    parts = []
    for file, split in (("SICK_train.txt", "train"), ("SICK_trial.txt", "dev"), ("SICK_test_annotated.txt", "test")):
        frame = read_tsv(root / "sick2014" / file, names, header=True)
        parts.append(_scored(frame, "sentence_A", "sentence_B", "relatedness_score", split, "sickr"))
    return pd.concat(parts, ignore_index=True)


def mirror_chinese(folder: str, splits: tuple[str, ...]) -> Callable[[Path], pd.DataFrame]:
    """The Chinese sets of 8321, `s1 \\t s2 \\t label` without header, one file per split."""
    name = folder.lower()

    def read(root: Path) -> pd.DataFrame:
        parts = []
        for split in splits:
            frame = read_tsv(root / "zh" / folder / f"{folder}.{split}.data", ["s1", "s2", "label"])
            parts.append(_scored(frame, "s1", "s2", "label", "dev" if split == "valid" else split, f"zh-{name}"))
        return pd.concat(parts, ignore_index=True)

    return read


TASKS: dict[str, Task] = {
    "stsb": Task("stsb", "mteb/stsbenchmark-sts", ("train", "validation", "test"), mirror_stsb),
    "sickr": Task(
        "sickr",
        "mteb/sickr-sts",
        ("test",),
        mirror_sick,
        notes="hub: its test split is all 9,927 SICK pairs, not SemEval's 4,927-pair test split",
    ),
    **{
        t: Task(
            t,
            f"mteb/{t}-sts",
            ("test",),
            mirror_semeval(t),
            notes="hub: no subset column, so only the pooled score, not SentEval's mean over subsets"
            + ("; mirror: lacks " + ", ".join(MISSING_FROM_MIRROR[t]) if t in MISSING_FROM_MIRROR else ""),
        )
        for t in SEMEVAL_SUBSETS
    },
    "zh-stsb": Task(
        "zh-stsb", "C-MTEB/STSB", ("train", "validation", "test"), mirror_chinese("STS-B", ("train", "valid", "test"))
    ),
    "zh-atec": Task(
        "zh-atec",
        "C-MTEB/ATEC",
        ("train", "validation", "test"),
        mirror_chinese("ATEC", ("valid", "test")),
        notes="mirror: no train split",
    ),
    "zh-bq": Task("zh-bq", "C-MTEB/BQ", ("train", "validation", "test")),
    "zh-lcqmc": Task("zh-lcqmc", "C-MTEB/LCQMC", ("train", "validation", "test")),
    "zh-pawsx": Task("zh-pawsx", "C-MTEB/PAWSX", ("train", "validation", "test")),
}


# --------------------------------------------------------------------------- hub


def read_hub(task: Task) -> pd.DataFrame:
    """The task's splits from the hub through `datasets.load_dataset` (sentence1, sentence2, score).
    The mteb STS12–16 sets carry no subset label: the subset column is then "all" (pooled)."""
    import datasets  # heavy import, and only on the online path

    parts = []
    for split in task.hub_splits:
        ds = datasets.load_dataset(task.hub_id, split=split)
        frame = ds.to_pandas() if hasattr(ds, "to_pandas") else pd.DataFrame(ds)
        missing = {"sentence1", "sentence2", "score"} - set(frame.columns)
        if missing:
            raise SourceUnavailable(f"{task.hub_id} split {split} lacks column(s) {sorted(missing)}")
        subset = frame["subset"].astype(str) if "subset" in frame.columns else None
        part = pd.DataFrame(
            {
                "sentence1": frame["sentence1"].astype(str).to_numpy(dtype=object),
                "sentence2": frame["sentence2"].astype(str).to_numpy(dtype=object),
                "score": frame["score"].astype(np.float64).to_numpy(),
                "split": HUB_SPLITS[split],
                "subset": subset.to_numpy(dtype=object)
                if subset is not None
                else ("all" if task.name in SEMEVAL_SUBSETS else task.name),
            }
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- entry point


def load_sts(task: str, mirror: str | Path | None = None, network: bool = False) -> pd.DataFrame:
    """Pairs of `task` (a key of TASKS) from the mirror folder if it has them, else from the hub if
    `network`; STSDataError otherwise."""
    if task not in TASKS:
        raise KeyError(f"unknown STS task '{task}'; known: {', '.join(TASKS)}")
    spec = TASKS[task]
    tried = []
    if spec.read_mirror is None:
        tried.append("mirror: this set has no offline copy in the mirror layout")
    elif mirror is None:
        tried.append("mirror: no mirror folder configured")
    else:
        root = Path(mirror)
        try:
            frame = spec.read_mirror(root)
            return _finish(frame, spec, f"mirror {root}", MISSING_FROM_MIRROR.get(task, ()), True)
        except SourceUnavailable as why:
            tried.append(f"mirror {root}: {why}")
    if not network:
        tried.append(f"hub {spec.hub_id}: network disabled")
    else:
        try:
            frame = read_hub(spec)
            known = task not in SEMEVAL_SUBSETS or bool((frame["subset"] != "all").all())
            return _finish(frame, spec, f"hub {spec.hub_id}", (), known)
        except SourceUnavailable as why:
            tried.append(f"hub {spec.hub_id}: {why}")
        except Exception as why:  # datasets raises many kinds (ConnectionError, DatasetNotFoundError, …)
            tried.append(f"hub {spec.hub_id}: {type(why).__name__}: {why}")
    raise STSDataError(
        f"STS set '{task}' could not be loaded. Sources tried:\n"
        + "\n".join(f"  - {t}" for t in tried)
        + "\nTo fix: set the STS mirror folder in the configuration (e.g. mirrors.sts: ../shared/data/sts, "
        f"laid out as its README says), or enable the network (network: true) to fetch {spec.hub_id} "
        "from the Hugging Face hub."
    )


def _finish(frame: pd.DataFrame, spec: Task, source: str, missing: tuple[str, ...], known: bool) -> pd.DataFrame:
    if frame.empty:
        raise SourceUnavailable(f"{source} yielded no scored pairs")
    frame = frame[COLUMNS].reset_index(drop=True)
    frame.attrs.update(
        task=spec.name, source=source, missing_subsets=tuple(missing), subsets_known=known, notes=spec.notes
    )
    return frame


# --------------------------------------------------------------------------- helpers for the pipeline


def coverage_label(frame: pd.DataFrame) -> str:
    """ "mirror subset" when the source lacks some of the task's SemEval subsets (STS12 without
    MSRvid, STS13 without SMT), else "full"; report those averages under this label (trap T10)."""
    return "mirror subset" if frame.attrs.get("missing_subsets") else "full"


def subsets(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each subset's pairs, plus "all": the concatenation of the subsets (the pooled year)."""
    parts = {name: part for name, part in frame.groupby("subset", sort=False) if name != "all"}
    return {**parts, "all": frame}


def target_sentences(frame: pd.DataFrame) -> list[str]:
    """The "target" fitting set: both sides of every pair of every split and subset, duplicates kept
    (traps T8, T11): sentence1 of all rows, then sentence2 of all rows."""
    return frame["sentence1"].tolist() + frame["sentence2"].tolist()
