"""Per-step cost of Lion against torch AdamW (claim C2.6 of kexue.fm/archives/9473): median time of
`optimizer.step()` alone on the project's 13.2 M-parameter TinyLM (kexue/lm.py), like for like (per-parameter
loop vs loop, foreach vs foreach) and against AdamW's fastest mode (fused where torch supports it),
plus the optimizer-state bytes. Gradients are fixed random tensors, so no forward or backward is
timed. Each optimizer runs in a fresh process, so that one's heap does not change the next one's time.

    .venv/bin/python bench/lion_step.py [--threads 2] [--steps 200] [--warmup 20]
                                        [--retain-freed-memory] [--whole-steps 0] [--json PATH]
                                        [--vocab 1024 --context 64 --d-model 512 --n-layer 4 --n-head 8]

--retain-freed-memory stops glibc from returning freed blocks to the kernel (mallopt). The
per-parameter AdamW allocates two temporaries per tensor and step, and with glibc's defaults the
page faults on them roughly double its time; this flag shows the cost without them.
--whole-steps N also times N forward+backward+step iterations (informational only, ~0.2 s each).
--json PATH also writes the numbers as JSON (the pipeline's `lion_step_benchmark` rule reads them).
The default run takes under a minute on 2 cores.
"""

import argparse
import ctypes
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kexue.lion.optimizer import Lion, state_bytes  # noqa: E402
from kexue.lm import TinyLM  # noqa: E402

LION = dict(lr=1e-4, betas=(0.9, 0.99), weight_decay=0.1)  # the values do not change the cost, but
ADAMW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)  # λ ≠ 0 keeps the decay pass
OPTIMIZERS = {
    ("Lion", "loop"): lambda ps: Lion(ps, foreach=False, **LION),
    ("Lion", "foreach"): lambda ps: Lion(ps, foreach=True, **LION),
    ("AdamW", "loop"): lambda ps: torch.optim.AdamW(ps, foreach=False, **ADAMW),
    ("AdamW", "foreach"): lambda ps: torch.optim.AdamW(ps, foreach=True, **ADAMW),
    ("AdamW", "fused"): lambda ps: torch.optim.AdamW(ps, fused=True, **ADAMW),
}


def benchmark_model(args) -> TinyLM:
    """The project's TinyLM; the defaults give 13.2M parameters (width 512, 4 layers), enough for C2.6's ≥ 10M."""
    return TinyLM(args.vocab, args.context, d_model=args.d_model, n_layer=args.n_layer, n_head=args.n_head)


def retain_freed_memory():
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD: never give the heap top back
    libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks up to 32 MB (glibc's maximum) from the heap


def median_step_ms(model, optimizer, steps, warmup):
    """Median wall time of optimizer.step() in ms, after `warmup` steps (state allocation, caches)."""
    gen = torch.Generator().manual_seed(0)
    for p in model.parameters():
        p.grad = torch.randn(p.shape, generator=gen) * 1e-2
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def median_whole_step_ms(model, optimizer, steps, warmup=3, batch=4):
    """Median time of forward + backward + step on random tokens (not decisive for C2.6)."""
    gen = torch.Generator().manual_seed(1)
    vocab, context = model.tok.num_embeddings, model.context
    times = []
    for i in range(warmup + steps):
        tokens = torch.randint(vocab, (batch, context + 1), generator=gen)
        start = time.perf_counter()
        optimizer.zero_grad()
        _, loss = model(tokens[:, :-1], tokens[:, 1:])
        loss.backward()
        optimizer.step()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def measure(key, args) -> dict:
    """One optimizer in this process: step time, state size and, if asked, whole-step time."""
    if args.retain_freed_memory:
        retain_freed_memory()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = benchmark_model(args)
    try:
        optimizer = OPTIMIZERS[key](model.parameters())
        row = dict(step_ms=median_step_ms(model, optimizer, args.steps, args.warmup))
    except (RuntimeError, ValueError) as error:  # e.g. fused AdamW on a build without CPU support
        return dict(error=str(error).splitlines()[0])
    row["state_mib"] = state_bytes(optimizer) / 2**20
    if args.whole_steps:
        row["whole_ms"] = median_whole_step_ms(model, optimizer, args.whole_steps)
    return row


def measure_in_fresh_process(key, argv) -> dict:
    command = [sys.executable, __file__, *argv, "--only", ":".join(key)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def summarise(rows, args) -> dict:
    """Every measurement and the ratios C2.6 is decided on: t_Lion / t_AdamW like for like
    (loop vs loop, foreach vs foreach) and fastest vs fastest."""
    supported = {key: row for key, row in rows.items() if "error" not in row}

    def ratio(a, b, column="step_ms"):
        if a in supported and b in supported and column in supported[a]:
            return supported[a][column] / supported[b][column]
        return None

    def fastest(name):
        return min((key for key in supported if key[0] == name), key=lambda key: supported[key]["step_ms"])

    lion, adamw = fastest("Lion"), fastest("AdamW")
    model = benchmark_model(args)
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "tensors": len(list(model.parameters())),
        "threads": args.threads,
        "steps": args.steps,
        "warmup": args.warmup,
        "torch": torch.__version__,
        "allocator": "retain freed memory" if args.retain_freed_memory else "glibc defaults",
        "rows": {f"{name} {mode}": row for (name, mode), row in rows.items()},
        "ratio_loop": ratio(("Lion", "loop"), ("AdamW", "loop")),
        "ratio_foreach": ratio(("Lion", "foreach"), ("AdamW", "foreach")),
        "fastest_lion": lion[1],
        "fastest_adamw": adamw[1],
        "ratio_fastest": ratio(lion, adamw),
        "whole_step_ratio_foreach": ratio(("Lion", "foreach"), ("AdamW", "foreach"), "whole_ms"),
        "state_bytes_ratio": supported["Lion", "loop"]["state_mib"] / supported["AdamW", "loop"]["state_mib"],
    }


def report(summary):
    print(
        f"torch {summary['torch']}, {summary['threads']} threads, TinyLM with "
        f"{summary['parameters'] / 1e6:.2f} M parameters in {summary['tensors']} float32 tensors; median of "
        f"{summary['steps']} steps after {summary['warmup']} warm-up; allocator: {summary['allocator']}"
    )
    whole = any("whole_ms" in row for row in summary["rows"].values())
    print(f"\n| optimizer | mode    | step() ms | state MiB |{' whole step ms |' if whole else ''}")
    print(f"|-----------|---------|-----------|-----------|{'---------------|' if whole else ''}")
    for key, row in summary["rows"].items():
        name, mode = key.split()
        if "error" in row:
            print(f"| {name:9} | {mode:7} | not supported here: {row['error']}")
            continue
        extra = f" {row['whole_ms']:13.1f} |" if whole else ""
        print(f"| {name:9} | {mode:7} | {row['step_ms']:9.2f} | {row['state_mib']:9.1f} |{extra}")

    def show(value):
        return "n/a" if value is None else f"{value:.3f}"

    print("\nt_Lion / t_AdamW for step() (C2.6 rule: < 1, like for like)")
    print(f"  loop    vs loop    : {show(summary['ratio_loop'])}")
    print(f"  foreach vs foreach : {show(summary['ratio_foreach'])}")
    print(
        f"  fastest Lion ({summary['fastest_lion']}) vs fastest AdamW ({summary['fastest_adamw']}): "
        f"{show(summary['ratio_fastest'])}"
    )
    if whole:
        print(f"whole step, foreach (informational): {show(summary['whole_step_ratio_foreach'])}")
    print(f"state bytes Lion / AdamW: {summary['state_bytes_ratio']:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--retain-freed-memory", action="store_true")
    parser.add_argument("--whole-steps", type=int, default=0)
    parser.add_argument("--vocab", type=int, default=1024)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--d-model", type=int, default=512)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=8)
    parser.add_argument("--json", help="also write the numbers to this JSON file")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # NAME:MODE, used by the fresh processes
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(tuple(args.only.split(":")), args)))
        return
    argv = [
        f"--{name.replace('_', '-')}={value}"
        for name, value in vars(args).items()
        if name not in ("json", "only", "retain_freed_memory")
    ]
    argv += ["--retain-freed-memory"] if args.retain_freed_memory else []
    summary = summarise({key: measure_in_fresh_process(key, argv) for key in OPTIMIZERS}, args)
    report(summary)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
