"""Provenance records: what produced a table, a figure or a metrics file, and from what.

Every output of the pipeline carries one: git commit and dirty flag, a digest of the resolved
parameters, seeds, the main package versions and the digest of the environment lock (every package:
results/environment.json), device, wall time and the checksums of the inputs.
"""

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata

from kexue import lock

PACKAGES = ("torch", "numpy", "scipy", "pandas", "matplotlib", "snakemake", "transformers", "gensim")


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def params_digest(params: dict) -> str:
    """sha256 of the parameters as canonical JSON, so equal settings give equal digests."""
    canonical = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()

    try:
        # results/ and the per-run folders change on every run; only code and config make a tree dirty
        changes = git("status", "--porcelain", "--", ".", ":!results", ":!results-*", ":!work", ":!resources")
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(changes)}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown (not a git checkout)", "dirty": None}


def package_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def device() -> dict:
    info = {"platform": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()}
    if os.environ.get("SLURM_JOB_ID"):  # a cluster job: which one, on which node (sacct -j finds it)
        info["slurm"] = {"job_id": os.environ["SLURM_JOB_ID"], "node": os.environ.get("SLURMD_NODENAME")}
    if "torch" in sys.modules:  # only report CUDA when the job used torch; importing it costs seconds
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return info


def record(params: dict, seeds, inputs, wall_time_s: float, **extra) -> dict:
    """The provenance record of one job's output."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **git_state(),
        "params_digest": params_digest(params),
        "params": params,
        "seeds": list(seeds),
        "versions": package_versions(),
        "environment": lock.lock_digest(),  # the locked set (requirements*.lock); results/environment.json lists it
        "device": device(),
        "wall_time_s": round(wall_time_s, 3),
        "inputs": {str(p): file_sha256(p) for p in inputs},
        **extra,
    }


def commits_of(records) -> list[tuple[str, bool, int]]:
    """(commit, dirty, number of outputs) for each commit that made these outputs, from their provenance
    records, most outputs first. An article's numbers often come from several commits (a job reruns only
    when its own inputs change), so its report names them all."""
    counts = Counter((record["commit"][:12], bool(record.get("dirty"))) for record in records)
    return [(commit, dirty, n) for (commit, dirty), n in counts.most_common()]
