"""Wall time of the whole DAG with --cores 1 and --cores 2 (and their ratio), and of `snakemake -n`
on the up-to-date tree. Runs the tier from scratch into results-bench{1,2}/ (git-ignored).

    .venv/bin/python bench/cores_speedup.py [tier]     # default tier: about 17 minutes on 2 cores
"""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIER = sys.argv[1] if len(sys.argv) > 1 else "default"


def snakemake(*args) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def scratch(cores: int) -> list:
    return ["--config", f"tier={TIER}", f"results_dir=results-bench{cores}", f"work_dir=work/bench{cores}"]


wall = {}
for cores in (1, 2):
    wall[cores] = snakemake("all", "--cores", str(cores), "--forceall", *scratch(cores))
    print(f"tier {TIER}, --cores {cores}: {wall[cores]:.0f} s", flush=True)
print(f"speed-up of --cores 2 over --cores 1: {wall[1] / wall[2]:.2f}x")
print(f"snakemake -n on the up-to-date tree: {snakemake('-n', *scratch(2)):.2f} s")
