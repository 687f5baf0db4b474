"""kexue/jobs.py as a script sees it: running a benchmark script for its numbers."""

from types import SimpleNamespace

import pytest

from kexue.jobs import Job


def job(tmp_path):
    smk = SimpleNamespace(params={}, wildcards={}, log=[str(tmp_path / "job.log")], rule="test", threads=1, input=[])
    return Job(smk)


def test_run_benchmark_returns_what_the_script_wrote_and_logs_its_output(tmp_path):
    script = tmp_path / "bench.py"
    script.write_text(
        "import json, sys\n"
        "out = sys.argv[-1].split('=', 1)[1]\n"
        "print('ratio 0.5 for', sys.argv[1])\n"
        "json.dump({'ratio': 0.5, 'option': sys.argv[1]}, open(out, 'w'))\n"
    )
    assert job(tmp_path).run_benchmark(script, ["--steps=3"]) == {"ratio": 0.5, "option": "--steps=3"}
    assert "ratio 0.5 for --steps=3" in (tmp_path / "job.log").read_text()


def test_a_failing_benchmark_stops_the_job_naming_the_script(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("raise SystemExit('no CPU today')\n")
    with pytest.raises(SystemExit, match="broken.py failed"):
        job(tmp_path).run_benchmark(script, [])
    assert "no CPU today" in (tmp_path / "job.log").read_text()
