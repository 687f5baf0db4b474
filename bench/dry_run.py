"""Time of `snakemake -n` on the current tree (the planning cost every run pays: config resolution and
validation of every article, the DAG), as the median of several runs, with what it planned.

    .venv/bin/python bench/dry_run.py [runs] [extra snakemake args, e.g. --config tier=smoke]
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
EXTRA = sys.argv[2:]

times, last = [], None
for _ in range(RUNS):
    start = time.perf_counter()
    last = subprocess.run([sys.executable, "-m", "snakemake", "-n", *EXTRA], cwd=ROOT, capture_output=True, text=True)
    times.append(time.perf_counter() - start)
    if last.returncode != 0:
        sys.exit(f"snakemake -n failed:\n{last.stderr[-2000:]}")
planned = "nothing to be done" if "Nothing to be done" in last.stdout + last.stderr else "jobs planned"
print(
    f"snakemake -n {' '.join(EXTRA)}: median {statistics.median(times):.2f} s over {RUNS} runs "
    f"(min {min(times):.2f}, max {max(times):.2f}); {planned}"
)
