"""The file-based two-pass shuffle (kexue.fm/archives/8662) with at most one chunk of n lines in memory.

Standard library only, so that `python -m kexue.shuffle.files`, run in its own process to measure its
peak memory, carries no numpy.
"""

from __future__ import annotations

import itertools
import os
import random
import resource
import sys
import tempfile
from pathlib import Path


def split_shuffled(src: Path, folder: Path, n: int, rng: random.Random) -> list[Path]:
    """Vertical pass: read n lines at a time (one chunk in memory), shuffle, write one file per chunk."""
    paths = []
    with open(src, "rb") as f:
        while chunk := list(itertools.islice(f, n)):
            rng.shuffle(chunk)
            paths.append(folder / f"chunk{len(paths):06d}")
            paths[-1].write_bytes(b"".join(chunk))
            del chunk
    return paths


def merge_rounds(paths: list[Path], dst: Path, rng: random.Random) -> None:
    """Horizontal pass: one line of every chunk file per round, written in a random order."""
    files = [open(p, "rb") for p in paths]  # noqa: SIM115 (closed below, all at once)
    try:
        with open(dst, "wb") as out:
            while lines := [line for f in files if (line := f.readline())]:
                rng.shuffle(lines)
                out.writelines(lines)
    finally:
        for f in files:
            f.close()


def shuffle_file(src: Path, dst: Path, n: int, seed: int, workdir: Path | None = None) -> int:
    """Shuffle the lines of `src` into `dst` with at most one chunk of n lines in memory; the chunk files
    live in a temporary folder (under `workdir`) removed afterwards. Returns the number of chunk files."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        paths = split_shuffled(Path(src), Path(tmp), n, rng)
        merge_rounds(paths, Path(dst), rng)
        for p in paths:
            os.remove(p)
    return len(paths)


def write_lines(path: Path, count: int, width: int) -> None:
    """Synthetic corpus: line i is the number i, zero-padded to `width` characters."""
    with open(path, "w") as f:
        for start in range(0, count, 100_000):
            f.write("".join(f"{i:0{width}d}\n" for i in range(start, min(count, start + 100_000))))


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB. Linux's getrusage keeps the maximum across exec, so a
    child would report its parent's peak; /proc/self/status's VmHWM belongs to this program alone."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def is_permutation_of_range(path: Path, count: int) -> bool:
    """Whether the file's lines are the numbers 0 … count − 1, each once (one byte per number)."""
    seen = bytearray(count)
    with open(path, "rb") as f:
        for line in f:
            i = int(line)
            if not 0 <= i < count or seen[i]:
                return False
            seen[i] = 1
    return all(seen)


def main(argv: list[str]) -> None:
    """`python -m kexue.shuffle.files SRC DST N SEED`: shuffle in this process, print its peak RSS in MB
    and the number of chunk files."""
    src, dst, n, seed = Path(argv[0]), Path(argv[1]), int(argv[2]), int(argv[3])
    files = shuffle_file(src, dst, n, seed, workdir=dst.parent)
    print(f"{peak_rss_mb():.3f} {files}")


if __name__ == "__main__":
    main(sys.argv[1:])
