"""shuffle.memory_bounded: peak RSS of the file-based shuffle, each run in its own process (python -m
kexue.shuffle.files), on synthetic files, for several chunk sizes n and totals."""

import subprocess
import sys
import tempfile
from pathlib import Path

from kexue.jobs import Job
from kexue.shuffle import files as sh

job = Job(snakemake)
s = snakemake.params.settings
runs = []
with tempfile.TemporaryDirectory() as tmp:
    for lines in sorted({r["lines"] for r in s["runs"]}):
        src = Path(tmp) / f"lines{lines}.txt"
        sh.write_lines(src, lines, s["width"])
        for run in (r for r in s["runs"] if r["lines"] == lines):
            dst = Path(tmp) / "out.txt"
            done = subprocess.run(
                [sys.executable, "-m", "kexue.shuffle.files", str(src), str(dst), str(run["chunk"]), str(s["seed"])],
                capture_output=True,
                text=True,
                check=True,
            )
            peak, files = done.stdout.split()
            # the output must hold every input line once
            permutation = sh.is_permutation_of_range(dst, lines)
            runs.append(
                {
                    "lines": lines,
                    "chunk": run["chunk"],
                    "files": int(files),
                    "peak_mb": float(peak),
                    "permutation": permutation,
                }
            )
            job.log.info("%s", runs[-1])
            dst.unlink()
        src.unlink()


def peak(lines, chunk):
    return next(r["peak_mb"] for r in runs if r["lines"] == lines and r["chunk"] == chunk)


g, t = s["grows"], s["total"]
job.metrics(
    snakemake.output[0],
    {
        "scale": f"{s['width'] + 1}-byte lines",
        "runs": runs,
        "all_permutations": all(r["permutation"] for r in runs),
        # peak memory grows with the chunk size n at a fixed total
        "grows_with_chunk": peak(g["lines"], g["large"]) > peak(g["lines"], g["small"]),
        "chunk_ratio": peak(g["lines"], g["large"]) / peak(g["lines"], g["small"]),
        # and hardly with the total at a fixed n: relative difference of the peaks
        "total_rel_diff": abs(peak(t["large"], t["chunk"]) - peak(t["small"], t["chunk"]))
        / peak(t["small"], t["chunk"]),
    },
)
