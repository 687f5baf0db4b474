"""The environment lock: fresh against the top-level requirements, installed exactly (what CI's fresh
setup proves), followed by the conda environment, recorded for each run."""

import json
import shutil
from pathlib import Path

import yaml

from kexue import compare, lock

ROOT = Path(__file__).resolve().parents[1]


def test_locks_are_fresh_against_the_top_level_requirements():
    """After changing requirements*.txt, run `make lock`."""
    assert lock.stale(ROOT) == []


def test_a_changed_requirement_makes_the_lock_stale(tmp_path):
    for name in lock.TOP_LEVEL + lock.LOCKS:
        shutil.copy(ROOT / name, tmp_path / name)
    assert lock.stale(tmp_path) == []
    text = (tmp_path / "requirements.txt").read_text().replace("numpy==", "numpy==0.0.1\n# was numpy==")
    (tmp_path / "requirements.txt").write_text(text)
    assert any("requirements.lock was made from other top-level requirements" in p for p in lock.stale(tmp_path))


def test_a_pin_the_lock_does_not_hold_is_named(tmp_path):
    for name in lock.TOP_LEVEL + lock.LOCKS:
        shutil.copy(ROOT / name, tmp_path / name)
    text = (tmp_path / "requirements.lock").read_text()
    (tmp_path / "requirements.lock").write_text(text.replace("\nnumpy==", "\nnumpy==0.0.1\n# was numpy=="))
    assert any(p.startswith("requirements.txt pins numpy==") for p in lock.stale(tmp_path))


def test_every_locked_package_has_a_hash_and_torch_is_the_cpu_build():
    text = (ROOT / "requirements.lock").read_text() + (ROOT / "requirements-nodeps.lock").read_text()
    blocks = [b for b in text.split("\n") if "==" in b and not b.startswith("#")]
    assert len(blocks) == len(lock.locked(ROOT)) > 100
    for line in blocks:
        assert line.endswith("\\"), f"no hash for {line}"
    assert lock.locked(ROOT)["torch"].endswith("+cpu")
    assert not [n for n in lock.locked(ROOT) if n.startswith("nvidia-")]  # no CUDA stack
    block = lock.extract("torch", ROOT)
    assert block.startswith("torch==2.13.0+cpu \\\n") and "--hash=sha256:" in block


def test_the_installed_environment_is_exactly_the_locked_set():
    """`make setup` installs from the locks with --require-hashes --no-deps: nothing more, nothing else."""
    assert lock.environment_differences(ROOT) == {"missing": [], "extra": [], "other_version": []}


def test_conda_environment_pins_what_the_lock_holds():
    env = yaml.safe_load((ROOT / "envs" / "pipeline.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    locked = lock.locked(ROOT)
    for entry in (e for e in pip if "==" in e):
        name, version = entry.split("==")
        have = locked[lock.normalize(name)]
        assert have == version or have.startswith(f"{version}+"), (entry, have)


def test_comparison_names_the_packages_whose_version_changed(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    for root, numpy in ((old, "2.4.6"), (new, "2.5.0")):
        (root / "art" / "metrics").mkdir(parents=True)
        (root / "art" / "metrics" / "m.json").write_text('{"a": 1}')
        (root / "environment.json").write_text(json.dumps({"packages": {"numpy": numpy, "scipy": "1.17.1"}}))
    report = compare.compare_trees(old, new)
    assert report["environment"]["changed"] == [{"package": "numpy", "old": "2.4.6", "new": "2.5.0"}]
    assert not report["differences"]  # reported apart: it explains moved numbers, it is not one
    assert "Environment changed: numpy 2.4.6 → 2.5.0." in compare.markdown(report)
    (new / "environment.json").write_text((old / "environment.json").read_text())
    assert "Environment: the same packages" in compare.markdown(compare.compare_trees(old, new))
