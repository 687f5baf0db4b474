"""Per-step cost of Lion against torch AdamW (claims C2.6, C2.6b of kexue.fm/archives/9473) on the project's
13.2 M-parameter TinyLM (kexue/lm.py): median time of `optimizer.step()` alone, each as a ratio to its
memory-bandwidth floor, plus the optimizer-state bytes and a whole training step (informational).

Like for like, in three implementation styles:
  loop     one parameter at a time, torch elementwise ops (Lion: kexue.lion.optimizer; AdamW: foreach=False);
  foreach  multi-tensor ops, both in chunks of at most 2^20 elements (Lion's own chunking; AdamW given one
           parameter group per chunk), so that neither allocates a whole-model temporary;
  fused    one compiled pass per element (Lion: kexue.lion.fused; AdamW: torch's fused=True).
Loop and foreach allocate temporaries every step, and glibc's default allocator hands freed blocks back to the
kernel and takes page faults to get them again; so both run under two allocator settings: `glibc` (defaults,
what training sees) and `retain` (mallopt: keep freed memory, no page faults). Fused steps allocate nothing,
and run under the defaults only.

Bandwidth floor: a fused step must read and write each parameter-sized tensor it touches at least once:
Lion reads p, g, m and writes p, m (5 passes of 4·P bytes), AdamW reads p, g, m, v and writes p, m, v (7).
Each timed step is paired with a timed copy of a P-element float32 buffer (2 passes), so
floor_ratio = median over steps of t_step / (passes/2 · t_copy): 1 is a step at the speed of a copy, the
machine's bandwidth as seen at that moment; pairing keeps the ratio steady when other processes load it. A ratio
somewhat below 1 is possible: as in STREAM, a copy counts 2 passes, but it also reads its destination before
writing it (write-allocate), while every tensor a Lion or AdamW step writes it has read anyway.

Gradients are fixed random tensors, so no forward or backward is timed in `step()`. Each pair (Lion and AdamW
in one style under one allocator setting) runs in a fresh process, so that one pair's heap does not change the
next one's time; inside it the two alternate step by step on two copies of the model, so both see the same heap
and the same machine load, and each ratio t_Lion / t_AdamW is the median of the per-iteration ratios. The fused
Lion's compile time is its one-time cost, reported apart.

    .venv/bin/python bench/lion_step.py [--threads 2] [--steps 200] [--warmup 20] [--whole-steps 10]
                                        [--same-process] [--json PATH]
                                        [--vocab 1024 --context 64 --d-model 512 --n-layer 4 --n-head 8]

--whole-steps N also times N forward + backward + step iterations of fused Lion and fused AdamW, alternating
in one process (informational: the article's speed-up is on whole steps). The default run takes about 90 s
on 2 cores.
"""

import argparse
import ctypes
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from kexue.lion import fused  # noqa: E402
from kexue.lion.optimizer import _CPU_FOREACH_CHUNK, Lion, _chunks, state_bytes  # noqa: E402
from kexue.lm import TinyLM  # noqa: E402

LION = dict(lr=1e-4, betas=(0.9, 0.99), weight_decay=0.1)  # the values do not change the cost, but
ADAMW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)  # λ ≠ 0 keeps the decay pass
PASSES = {"Lion": 5, "AdamW": 7}  # parameter-sized reads + writes of a fused step (the floor)


def chunked_groups(params) -> list[dict]:
    """One parameter group per chunk of Lion's foreach path, so that AdamW's foreach works in the same chunks."""
    params = list(params)
    return [{"params": params[part]} for part in _chunks(params, _CPU_FOREACH_CHUNK)]


OPTIMIZERS = {
    ("Lion", "loop"): lambda ps: Lion(ps, foreach=False, **LION),
    ("Lion", "foreach"): lambda ps: Lion(ps, foreach=True, **LION),
    ("Lion", "fused"): lambda ps: Lion(ps, fused=True, **LION),
    ("AdamW", "loop"): lambda ps: torch.optim.AdamW(ps, foreach=False, **ADAMW),
    ("AdamW", "foreach"): lambda ps: torch.optim.AdamW(chunked_groups(ps), foreach=True, **ADAMW),
    ("AdamW", "fused"): lambda ps: torch.optim.AdamW(ps, fused=True, **ADAMW),
}
# (mode, allocator) of every pair of rows; fused steps allocate nothing, so only under the defaults. The
# `retain` pairs come last: in one process (--same-process) the mallopt setting cannot be undone.
PAIRS = [("loop", "glibc"), ("foreach", "glibc"), ("fused", "glibc"), ("loop", "retain"), ("foreach", "retain")]


def benchmark_model(args) -> TinyLM:
    """The project's TinyLM; the defaults give 13.2M parameters (width 512, 4 layers), enough for C2.6's ≥ 10M."""
    return TinyLM(args.vocab, args.context, d_model=args.d_model, n_layer=args.n_layer, n_head=args.n_head)


def retain_freed_memory():
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD: never give the heap top back
    libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD: blocks up to 32 MB (glibc's maximum) from the heap


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def step_times(models: dict, optimizers: dict, steps: int, warmup: int) -> dict:
    """optimizer.step() of each optimizer (name → model, optimizer), alternating, the order swapped every
    iteration, each step right after a timed copy of as many float32 elements as the model has parameters;
    `warmup` iterations first (state allocation, caches). Per name: the step and copy times (s) after warm-up."""
    gen = torch.Generator().manual_seed(0)
    n = 0
    for model in models.values():
        grads = torch.Generator().manual_seed(1)  # the same gradients for every model
        for p in model.parameters():
            p.grad = torch.randn(p.shape, generator=grads) * 1e-2
        n = sum(p.numel() for p in model.parameters())
    source, target = torch.randn(n, generator=gen), torch.empty(n)
    times = {name: {"step": [], "copy": []} for name in models}
    names = list(models)
    for i in range(warmup + steps):
        for name in names if i % 2 == 0 else names[::-1]:
            copy = timed(lambda: target.copy_(source))
            step = timed(optimizers[name].step)
            if i >= warmup:
                times[name]["step"].append(step)
                times[name]["copy"].append(copy)
    return times


def row_numbers(name: str, steps_s: list, copies_s: list, parameters: int) -> dict:
    """Median step and copy times (ms), the copy bandwidth, and the floor ratio: per step, t_step over the time
    of `PASSES[name]` parameter passes at the bandwidth of its own copy, then the median."""
    passes = PASSES[name]
    copy_ms = 1e3 * statistics.median(copies_s)
    return dict(
        step_ms=1e3 * statistics.median(steps_s),
        copy_ms=copy_ms,
        copy_gbs=2 * 4 * parameters / (copy_ms * 1e6),
        floor_ms=passes / 2 * copy_ms,
        floor_ratio=statistics.median(s / (passes / 2 * c) for s, c in zip(steps_s, copies_s, strict=True)),
    )


def measure(mode, allocator, args) -> dict:
    """Lion and AdamW in one implementation style, in this process, on two copies of one model with the same
    gradients, steps alternating: each one's row (step time, floor ratio, state size; the fused Lion also its
    compile time) and the median of the paired ratios t_Lion / t_AdamW, one per iteration."""
    if allocator == "retain":
        retain_freed_memory()
    torch.set_num_threads(args.threads)
    extra = {}
    if mode == "fused":
        try:
            with tempfile.TemporaryDirectory() as folder:  # a fresh build: the one-time cost, not the cache's
                library, extra["compile_s"] = fused.build_library(folder)
                fused.load_library(library)
        except RuntimeError as error:  # no compiler
            return dict(error=str(error).splitlines()[0])
    models, optimizers = {}, {}
    try:
        for name in PASSES:
            torch.manual_seed(0)
            models[name] = benchmark_model(args)
            optimizers[name] = OPTIMIZERS[name, mode](models[name].parameters())
        times = step_times(models, optimizers, args.steps, args.warmup)
    except (RuntimeError, ValueError) as error:  # e.g. fused AdamW on a build without CPU support
        return dict(error=str(error).splitlines()[0])
    parameters = sum(p.numel() for p in models["Lion"].parameters())
    rows = {
        name: row_numbers(name, times[name]["step"], times[name]["copy"], parameters)
        | dict(state_mib=state_bytes(optimizers[name]) / 2**20)
        for name in PASSES
    }
    rows["Lion"] |= extra
    paired = [a / b for a, b in zip(times["Lion"]["step"], times["AdamW"]["step"], strict=True)]
    return {"rows": rows, "ratio": statistics.median(paired)}


def whole_steps(args, warmup=2, batch=4) -> dict:
    """Forward + backward + step of fused Lion and fused AdamW on two copies of one model and the same random
    tokens, alternating (which one goes first alternates too), so both see the same machine load: the median
    times and the paired relative differences (t_Lion − t_AdamW) / t_AdamW, one per iteration."""
    torch.set_num_threads(args.threads)
    models, times = {}, {"Lion": [], "AdamW": []}
    for name in times:
        torch.manual_seed(0)
        models[name] = benchmark_model(args)
    optimizers = {name: OPTIMIZERS[name, "fused"](models[name].parameters()) for name in times}
    gen = torch.Generator().manual_seed(1)
    vocab, context = models["Lion"].tok.num_embeddings, models["Lion"].context

    def train_step(name, tokens):
        optimizers[name].zero_grad()
        _, loss = models[name](tokens[:, :-1], tokens[:, 1:])
        loss.backward()
        optimizers[name].step()

    for i in range(warmup + args.whole_steps):
        tokens = torch.randint(vocab, (batch, context + 1), generator=gen)
        for name in ("Lion", "AdamW") if i % 2 == 0 else ("AdamW", "Lion"):
            seconds = timed(lambda name=name, tokens=tokens: train_step(name, tokens))
            if i >= warmup:
                times[name].append(seconds)
    gaps = [(a - b) / b for a, b in zip(times["Lion"], times["AdamW"], strict=True)]
    return {f"{name}_ms": 1e3 * statistics.median(t) for name, t in times.items()} | {"gaps": gaps}


def run_in_fresh_process(what: str, argv) -> dict:
    command = [sys.executable, __file__, *argv, "--only", what]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def summarise(pairs: dict, whole: dict | None, args) -> dict:
    """Every row and the ratios C2.6 and C2.6b are decided on: t_Lion / t_AdamW like for like, each the median
    of the per-iteration ratios of its pair."""
    rows = {
        (name, mode, allocator): pair.get("rows", {}).get(name, {"error": pair.get("error")})
        for (mode, allocator), pair in pairs.items()
        for name in PASSES
    }
    supported = {key: row for key, row in rows.items() if "error" not in row}

    def ratio(mode, allocator="glibc"):
        return pairs.get((mode, allocator), {}).get("ratio")

    def fastest(name):
        return min((key for key in supported if key[0] == name), key=lambda key: supported[key]["step_ms"])

    lion, adamw = fastest("Lion"), fastest("AdamW")
    model = benchmark_model(args)
    summary = {
        "parameters": sum(p.numel() for p in model.parameters()),
        "tensors": len(list(model.parameters())),
        "threads": args.threads,
        "steps": args.steps,
        "warmup": args.warmup,
        "torch": torch.__version__,
        "passes": PASSES,
        "fresh_processes": not args.same_process,
        "rows": {" ".join(key): row for key, row in rows.items()},
        "copy_gbs_median": statistics.median(row["copy_gbs"] for row in supported.values()),
        "ratio_loop_glibc": ratio("loop"),
        "ratio_loop_retain": ratio("loop", "retain"),
        "ratio_foreach_glibc": ratio("foreach"),
        "ratio_foreach_retain": ratio("foreach", "retain"),
        "ratio_fused": ratio("fused"),
        "fastest_lion": " ".join(lion[1:]),
        "fastest_adamw": " ".join(adamw[1:]),
        "ratio_fastest": supported[lion]["step_ms"] / supported[adamw]["step_ms"],
        "floor_ratio_lion_fused": supported.get(("Lion", "fused", "glibc"), {}).get("floor_ratio"),
        "floor_ratio_adamw_fused": supported.get(("AdamW", "fused", "glibc"), {}).get("floor_ratio"),
        "compile_s": supported.get(("Lion", "fused", "glibc"), {}).get("compile_s"),
        "state_bytes_ratio": supported["Lion", "loop", "glibc"]["state_mib"]
        / supported["AdamW", "loop", "glibc"]["state_mib"],
    }
    if whole:
        summary |= {
            "whole_step_ms": {"Lion fused": whole["Lion_ms"], "AdamW fused": whole["AdamW_ms"]},
            "whole_step_ratio_fused": whole["Lion_ms"] / whole["AdamW_ms"],
            "whole_step_gaps_fused": whole["gaps"],
            "whole_steps": len(whole["gaps"]),
        }
    return summary


def report(summary):
    print(
        f"torch {summary['torch']}, {summary['threads']} threads, TinyLM with "
        f"{summary['parameters'] / 1e6:.2f} M parameters in {summary['tensors']} float32 tensors; median of "
        f"{summary['steps']} steps after {summary['warmup']} warm-up; "
        f"copy bandwidth {summary['copy_gbs_median']:.1f} GB/s"
    )
    print("\n| optimizer | mode    | allocator | step() ms | floor ms | × floor | state MiB |")
    print("|-----------|---------|-----------|-----------|----------|---------|-----------|")
    for key, row in summary["rows"].items():
        name, mode, allocator = key.split()
        if "error" in row:
            print(f"| {name:9} | {mode:7} | {allocator:9} | not supported here: {row['error']}")
            continue
        print(
            f"| {name:9} | {mode:7} | {allocator:9} | {row['step_ms']:9.2f} | {row['floor_ms']:8.2f} "
            f"| {row['floor_ratio']:7.2f} | {row['state_mib']:9.1f} |"
        )

    def show(value):
        return "n/a" if value is None else f"{value:.3f}"

    print("\nt_Lion / t_AdamW for step() (C2.6: < 1 like for like; C2.6b: fused ≤ 1)")
    for mode in ("loop", "foreach"):
        for allocator in ("glibc", "retain"):
            print(f"  {mode:7} vs {mode:7}, {allocator:6}: {show(summary[f'ratio_{mode}_{allocator}'])}")
    print(f"  fused   vs fused            : {show(summary['ratio_fused'])}")
    print(
        f"  fastest Lion ({summary['fastest_lion']}) vs fastest AdamW ({summary['fastest_adamw']}): "
        f"{show(summary['ratio_fastest'])}"
    )
    print(f"fused Lion compile (one-time): {show(summary['compile_s'])} s")
    if "whole_step_ratio_fused" in summary:
        print(f"whole step, fused vs fused (informational): {show(summary['whole_step_ratio_fused'])}")
    print(f"state bytes Lion / AdamW: {summary['state_bytes_ratio']:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--whole-steps", type=int, default=0)
    parser.add_argument("--vocab", type=int, default=1024)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--d-model", type=int, default=512)
    parser.add_argument("--n-layer", type=int, default=4)
    parser.add_argument("--n-head", type=int, default=8)
    parser.add_argument(
        "--same-process", action="store_true", help="every row in this process (quick, for plumbing checks only)"
    )
    parser.add_argument("--json", help="also write the numbers to this JSON file")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # MODE:ALLOCATOR or "whole", for the fresh processes
    args = parser.parse_args()
    if args.only:
        result = whole_steps(args) if args.only == "whole" else measure(*args.only.split(":"), args)
        print(json.dumps(result))
        return
    skip = ("json", "only", "same_process")
    argv = [f"--{name.replace('_', '-')}={value}" for name, value in vars(args).items() if name not in skip]
    pairs = {}
    for key in PAIRS:
        pairs[key] = measure(*key, args) if args.same_process else run_in_fresh_process(":".join(key), argv)
        print(" ".join(key), pairs[key], flush=True)
    whole = None
    if args.whole_steps:
        whole = whole_steps(args) if args.same_process else run_in_fresh_process("whole", argv)
    summary = summarise(pairs, whole, args)
    report(summary)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")


if __name__ == "__main__":
    main()
