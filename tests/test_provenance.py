import json

import pandas as pd
import pytest

from kexue import provenance
from kexue.jobs import provenance_path, write_atomic, write_json, write_runs_usage
from kexue.report import runtime_table, total_runtime


def test_params_digest_ignores_key_order_and_sees_values():
    assert provenance.params_digest({"a": 1, "b": [2, 3]}) == provenance.params_digest({"b": [2, 3], "a": 1})
    assert provenance.params_digest({"a": 1}) != provenance.params_digest({"a": 2})


def test_record_has_every_field_and_input_checksums(tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"abc")
    record = provenance.record({"lr": 0.1}, [0, 1], [data], 1.23456)
    for field in ("commit", "dirty", "params_digest", "seeds", "versions", "device", "wall_time_s", "inputs"):
        assert field in record
    # sha256("abc"), an independent known value
    assert record["inputs"][str(data)] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert record["versions"]["numpy"] and record["wall_time_s"] == 1.235


def test_record_names_its_slurm_job_only_on_a_cluster(monkeypatch):
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    assert "slurm" not in provenance.device()
    monkeypatch.setenv("SLURM_JOB_ID", "42")
    monkeypatch.setenv("SLURMD_NODENAME", "node7")
    assert provenance.device()["slurm"] == {"job_id": "42", "node": "node7"}


def test_commits_of_counts_outputs_per_commit_and_keeps_dirty_apart():
    a, b = "a" * 40, "b" * 40
    records = [{"commit": a, "dirty": False}] * 3 + [{"commit": b, "dirty": False}, {"commit": a, "dirty": True}]
    assert provenance.commits_of(records) == [("a" * 12, False, 3), ("b" * 12, False, 1), ("a" * 12, True, 1)]


def test_atomic_write_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.csv"

    def crash(tmp):
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        write_atomic(target, crash)
    assert not target.exists()
    write_json(target.with_suffix(".json"), {"x": 1})
    assert json.loads(target.with_suffix(".json").read_text()) == {"x": 1}


def test_provenance_sits_beside_its_output():
    assert str(provenance_path("results/a/figures/capacity.png")) == "results/a/figures/capacity.provenance.json"


def test_runtime_table_leaves_out_an_article_with_no_benchmark_yet():
    # the failure report after a run that stopped before any job finished (it crashed in pd.concat)
    assert runtime_table({"art": []}).empty


def test_runtime_table_sums_wall_and_cpu_and_takes_peak_memory(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    files = []
    for i, (s, rss, cpu) in enumerate([(1.5, 100, 1.0), (2.5, 300, 2.0)]):
        f = tmp_path / f"b{i}.tsv"
        f.write_text(header + f"{s}\t0:00:0{i}\t{rss}\t0\t0\t0\t0\t0\t0\t{cpu}\n")
        files.append(f)
    runs = []  # training runs' metrics, gathered into one file of several jobs' rows by the summaries
    for name, usage in [
        ("a", {"s": 0.5, "cpu_time": 0.25, "max_rss": 50}),
        ("b", {"s": 1.0, "cpu_time": 0.75, "max_rss": 60}),
    ]:
        (tmp_path / name).mkdir()
        write_json(tmp_path / name / "metrics.json", {"loss": 1.0, "usage": usage})
        runs.append(tmp_path / name / "metrics.json")
    gathered = tmp_path / "runs.tsv"
    write_runs_usage(gathered, runs)
    assert list(pd.read_csv(gathered, sep="\t")["run"]) == ["a", "b"]
    table = runtime_table({"art": files, "other": [gathered]})
    assert table.loc[0, "wall_s"] == 4.0 and table.loc[0, "cpu_s"] == 3.0 and table.loc[0, "peak_rss_mb"] == 300
    assert table.loc[0, "jobs"] == 2 and table.loc[1, "jobs"] == 2 and table.loc[1, "wall_s"] == 1.5


def test_the_index_total_counts_a_shared_job_once(tmp_path):
    # a shared step's job (the zh_bert pretraining) is on three pages, a producer article's job on two
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    files = {}
    for name, wall in [("shared", 10.0), ("a", 1.0), ("b", 2.0), ("step", 100.0)]:
        files[name] = tmp_path / f"{name}.tsv"
        files[name].write_text(header + f"{wall}\t0:00:01\t1\t0\t0\t0\t0\t0\t0\t{wall}\n")
    benchmarks = {"a": [files["a"], files["shared"]], "b": [files["b"], files["shared"], files["step"]]}
    total = total_runtime(benchmarks, steps=[files["step"]])
    assert total["wall_s"].item() == 113.0 and total["jobs"].item() == 4
    assert runtime_table(benchmarks)["wall_s"].sum() == 123.0  # the pages summed
