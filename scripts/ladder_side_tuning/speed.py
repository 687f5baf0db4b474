"""Claims speed, backprop_depth: step_time.py once per method, each in a fresh process; ratios to full
fine-tuning and peak-memory differences from this one job (the same machine state for every method)."""

import json
import tempfile
from pathlib import Path

from kexue import ladder_side_tuning as lst
from kexue.jobs import Job

job = Job(snakemake)
p = job.params
if "full" not in p["timed_methods"]:
    job.fail("speed.methods must include full: every ratio is to full fine-tuning")
source = lst.backbone_source(p["backbone"], snakemake.input.get("backbone"))
side = p["side"] or p["methods"]["lst"]
settings = {**{k: p[k] for k in ("dropout", "max_length", "methods", "task", "batch_size", "steps", "warmup")}}
settings.update(side=side, threads=job.threads)
results = {}
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "settings.json"
    path.write_text(json.dumps(settings))
    for method in p["timed_methods"]:
        options = [
            f"--method={method}",
            f"--backbone={source}",
            f"--tasks={snakemake.input.tasks}",
            f"--settings={path}",
        ]
        results[method] = job.run_benchmark(snakemake.input.script, options + (["--network"] if p["network"] else []))
median = {m: r["median_s"] for m, r in results.items()}
ratio = lst.speed_ratios(median)
peak = {m: r["peak_rss_mb"] for m, r in results.items()}
metrics = {
    "scale": f"{Path(str(source)).name}, batch {results['full']['batch_shape']}, {job.threads} CPU thread(s), "
    f"median of {p['steps']} steps after {p['warmup']}",
    "stand_in": p["stand_in"],
    "median_s": median,
    "ratio": ratio,
    "times_s": {m: r["times_s"] for m, r in results.items()},
    "trainable_parameters": {m: r["trainable_parameters"] for m, r in results.items()},
    "peak_rss_mb": peak,
    "rss_before_steps_mb": {m: r["rss_before_steps_mb"] for m, r in results.items()},
    "lst_backbone_gradients": results["lst"]["backbone_gradients"] if "lst" in results else None,
    "backbone_gradients": {m: r["backbone_gradients"] for m, r in results.items()},
}
if {"adapter", "prompt", "lst"} <= set(results):
    metrics["adapter_minus_lst"] = ratio["adapter"] - ratio["lst"]
    metrics["prompt_minus_lst"] = ratio["prompt"] - ratio["lst"]
    metrics["memory"] = {
        "adapter_minus_lst_mb": peak["adapter"] - peak["lst"],
        "full_minus_adapter_mb": peak["full"] - peak["adapter"],
    }
job.log.info("ratios to full: %s; peak RSS MB: %s", ratio, peak)
job.metrics(snakemake.output[0], metrics)
