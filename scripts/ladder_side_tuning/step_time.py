"""Time per training step and peak memory of ONE method, in this fresh process (run once per method by
scripts/ladder_side_tuning/speed.py, so that each method's peak RSS is its own).

    python scripts/ladder_side_tuning/step_time.py --method lst --backbone FOLDER_OR_NAME --tasks tasks.json \
        --settings settings.json --json out.json

Times `steps` steps (forward + backward + Adam update) on the first `batch_size` training examples of the task,
after `warmup` untimed ones, with torch on `threads` threads; writes the median, every step's time, the peak RSS
(getrusage) and the RSS before the first step.
"""

import argparse
import json
import resource
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run standalone from the repository too


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("method", "backbone", "tasks", "settings", "json"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--network", action="store_true")
    args = parser.parse_args()
    import torch

    from kexue import ladder_side_tuning as lst
    from kexue.jobs import read_json

    s = json.loads(Path(args.settings).read_text())
    torch.set_num_threads(s["threads"])
    torch.manual_seed(0)
    tokenizer, backbone = lst.load_backbone(args.backbone, s["dropout"], local_files_only=not args.network)
    settings = lst.settings_for(args.method, s, s["side"])
    model = lst.Tuned(backbone, args.method, s["task"], settings.side, settings.adapter_dim, settings.prompt_length)
    examples = read_json(args.tasks)["train"][s["task"]][: s["batch_size"]]
    batch = lst.encode(tokenizer, examples, s["task"], s["max_length"])
    gradients = lst.backbone_gets_gradients(model, batch)
    before = rss_mb()
    times = lst.step_times(model, batch, settings.lr, s["steps"], s["warmup"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "method": args.method,
        "median_s": statistics.median(times),
        "times_s": times,
        "peak_rss_mb": peak,
        "rss_before_steps_mb": before,
        "backbone_gradients": gradients,
        "trainable_parameters": sum(p.numel() for p in model.trainable()),
        "batch_shape": list(batch["input_ids"].shape),
        "threads": torch.get_num_threads(),
    }
    print(f"{args.method}: median {out['median_s']:.3f} s/step, peak RSS {peak:.0f} MB, batch {out['batch_shape']}")
    Path(args.json).write_text(json.dumps(out))


if __name__ == "__main__":
    main()
