"""The runtime shared by the pipeline's scripts: logging, threads, atomic outputs with provenance.

A script under scripts/ does `job = Job(snakemake)` and then writes every output through it, so that
each output is complete or absent (never half-written) and carries its provenance record.
"""

import json
import logging
import os
import reprlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from kexue import provenance
from kexue.resources import ResourceError, check_acquired


def write_atomic(path, write) -> None:
    """Call write(tmp_path), then rename onto path: a crash never leaves a partial file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_runs_usage(path, run_metrics) -> None:
    """Training runs' cost (each metrics file's "usage": wall s, CPU s, peak MB), one row per run named by
    its folder, as a Snakemake-style benchmark TSV: the report's runtime table counts each row as a job."""
    rows = [read_json(p)["usage"] | {"run": Path(p).parent.name} for p in run_metrics]
    write_atomic(path, lambda tmp: pd.DataFrame(rows).to_csv(tmp, sep="\t", index=False))


def write_json(path, obj) -> None:
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(obj, indent=1, default=float) + "\n"))


def read_json(path) -> dict:
    return json.loads(Path(path).read_text())


def resource_folder(entry) -> Path:
    """The folder of an acquired resource, from a rule's input `resource(name)` (the manifest comes first)."""
    first = entry if isinstance(entry, (str, Path)) else entry[0]
    return Path(first).parent


def provenance_path(output) -> Path:
    """figures/capacity.png → figures/capacity.provenance.json (one record for the PNG and SVG)."""
    output = Path(output)
    return output.with_name(output.stem + ".provenance.json")


class Job:
    """One Snakemake job seen from its script: parameters, logger, thread count and outputs."""

    def __init__(self, snakemake, seeds=()):
        self.smk = snakemake
        self.params = {k: v for k, v in snakemake.params.items()}
        self.seeds = list(seeds) or _seeds(snakemake, self.params)
        self.started = time.time()
        self.log = _logger(snakemake.log[0] if snakemake.log else None, snakemake.rule)
        self.threads = snakemake.threads
        # Snakemake already sets OMP_NUM_THREADS and the BLAS variables to `threads:` for the job;
        # torch is told explicitly too, when the script uses it (importing it costs seconds otherwise)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(self.threads)
        self.log.info("rule %s: %d thread(s), params %s", snakemake.rule, self.threads, _short(self.params))
        if os.environ.get("SLURM_JOB_ID"):
            self.log.info("SLURM job %s on node %s", os.environ["SLURM_JOB_ID"], os.environ.get("SLURMD_NODENAME"))
        _log_uncaught(self.log)
        self._check_resources()

    def fail(self, message: str):
        """Stop the job with one message, in its log too (the failure report quotes the log's first error)."""
        self.log.error("%s", message)
        raise SystemExit(message)

    def _check_resources(self) -> None:
        """Once per job, before any use: the acquired resources among the inputs still hold the bytes their
        manifests name (a disk error, an unzip over them or a swapped file stops the job here)."""
        for path in self.smk.input:
            if Path(path).name == "MANIFEST.json":
                try:
                    check_acquired(path)
                except ResourceError as err:
                    self.fail(str(err))

    def record(self, inputs=None) -> dict:
        inputs = [p for p in (inputs if inputs is not None else self.smk.input) if Path(p).is_file()]
        return provenance.record(self.params, self.seeds, inputs, time.time() - self.started, rule=self.smk.rule)

    def usage(self) -> dict:
        """This process's cost so far, in the columns of Snakemake's benchmark files: wall seconds,
        CPU seconds (all threads) and peak resident memory in MB."""
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "s": time.time() - self.started,
            "cpu_time": own.ru_utime + own.ru_stime,
            "max_rss": own.ru_maxrss / 1024,
        }

    def run_benchmark(self, script, options: list) -> dict:
        """Run a bench/ script in its own process with `options` plus --json, log what it printed, and
        return the numbers it wrote; a failure stops the job, naming the script."""
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "numbers.json"
            done = subprocess.run(
                [sys.executable, str(script), *options, f"--json={out}"], capture_output=True, text=True
            )
            self.log.info("%s %s\n%s%s", script, " ".join(options), done.stdout, done.stderr)
            if done.returncode != 0:
                self.fail(f"{script} failed (exit {done.returncode}); its output is in the log above")
            return read_json(out)

    def metrics(self, path, metrics: dict) -> None:
        """Metrics JSON with its provenance inside, under the key 'provenance'."""
        write_json(path, {**metrics, "provenance": self.record()})
        self.log.info("wrote %s", path)

    def table(self, path, frame, upstream=()) -> None:
        write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))
        self._provenance(path, upstream)
        self.log.info("wrote %s (%d rows)", path, len(frame))

    def figure(self, path, fig, upstream=()) -> None:
        """Save PNG at `path` and an SVG beside it."""
        for out in (Path(path), Path(path).with_suffix(".svg")):
            fmt = out.suffix[1:]
            # no creation date in the SVG, so that an unchanged figure is an unchanged file in git
            metadata = {"Date": None} if fmt == "svg" else None
            write_atomic(
                out,
                lambda tmp, fmt=fmt, metadata=metadata: fig.savefig(
                    tmp, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata
                ),
            )
        self._provenance(path, upstream)
        self.log.info("wrote %s", path)

    def _provenance(self, path, upstream) -> None:
        """Tables and figures inherit the experiments' seeds, wall time and device from the metrics."""
        record = self.record()
        record["upstream"] = {str(p): read_json(p).get("provenance", {}) for p in upstream}
        record["seeds"] = sorted({s for u in record["upstream"].values() for s in u.get("seeds", [])})
        write_json(provenance_path(path), record)


def _log_uncaught(log: logging.Logger) -> None:
    """An exception that ends the script is written to the job's log as well as to stderr, so that the
    failure report (report_after_failure in workflow/rules/common.smk) can quote it."""
    previous = sys.excepthook

    def hook(kind, value, traceback):
        log.error("%s: %s", kind.__name__, value)
        previous(kind, value, traceback)

    sys.excepthook = hook


def _seeds(snakemake, params) -> list:
    """Seeds a job used: a {seed} wildcard, else the `seed`/`seeds` parameter, else none."""
    if "seed" in snakemake.wildcards.keys():
        return [int(snakemake.wildcards.seed)]
    settings = params.get("settings", params)
    return list(settings.get("seeds", [settings["seed"]] if "seed" in settings else []))


def _short(value) -> str:
    """A one-line summary of the parameters for the log (the claims list alone is pages long)."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = 60
    short.maxlist, short.maxdict, short.maxlevel = 8, 12, 3
    return short.repr(value)


def _logger(path, name) -> logging.Logger:
    log = logging.getLogger(name)
    log.setLevel(logging.INFO)
    log.handlers.clear()
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers = [logging.StreamHandler()]
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w"))
    for h in handlers:
        h.setFormatter(fmt)
        log.addHandler(h)
    return log
