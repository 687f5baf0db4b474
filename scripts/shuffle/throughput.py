"""Throughput of the file-based two-pass shuffle against GNU shuf (in memory) on one synthetic file, in
one job: the ratio of their times is what this reports (absolute times depend on the machine and on
whatever else runs). The article's 280 GB timing stays untested."""

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from kexue.jobs import Job
from kexue.shuffle import files as sh

job = Job(snakemake)
s = snakemake.params.settings
shuf = shutil.which("shuf")
if shuf is None:
    raise SystemExit("GNU shuf not found on PATH: install coreutils to run the shuffle throughput benchmark")


def timed(command, *args) -> float:
    start = time.perf_counter()
    command(*args)
    return time.perf_counter() - start


with tempfile.TemporaryDirectory() as tmp:
    src, dst = Path(tmp) / "corpus.txt", Path(tmp) / "shuffled.txt"
    sh.write_lines(src, s["lines"], s["width"])
    megabytes = src.stat().st_size / 2**20
    times = {"two_pass": [], "shuf": []}
    for repeat in range(s["repeats"]):
        # alternate the two so that a change in the machine's load hits both alike
        times["two_pass"].append(timed(sh.shuffle_file, src, dst, s["chunk"], s["seed"] + repeat, Path(tmp)))
        times["shuf"].append(timed(lambda: subprocess.run([shuf, "-o", str(dst), str(src)], check=True)))
        job.log.info("repeat %d: two-pass %.2f s, shuf %.2f s", repeat, times["two_pass"][-1], times["shuf"][-1])
median = {k: statistics.median(v) for k, v in times.items()}
ratio = median["two_pass"] / median["shuf"]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['lines']} lines, {megabytes:.0f} MB, chunk {s['chunk']} lines",
        "megabytes": megabytes,
        "times": times,
        "median_s": median,
        "throughput_mb_s": {k: megabytes / v for k, v in median.items()},
        "time_ratio": ratio,
        "report": {
            "title": "Throughput against GNU shuf (one job; other processes shared the machine;"
            " the article's 280 GB stays untested)",
            "rows": [
                {"quantity": "synthetic file", "value": f"{s['lines']} lines, {megabytes:.0f} MB"},
                {"quantity": "two-pass shuffle (Python)", "value": f"{megabytes / median['two_pass']:.1f} MB/s"},
                {"quantity": "GNU shuf (in memory)", "value": f"{megabytes / median['shuf']:.1f} MB/s"},
                {
                    "quantity": "time ratio two-pass / shuf",
                    "value": f"{ratio:.2f} (article: Python 3.5 h / terashuf 2.7 h = 1.30, 280 GB)",
                },
            ],
        },
    },
)
