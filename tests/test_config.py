"""Configuration, schema and registry: every tier validates, every key is documented, every claim is sound."""
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"


def load(path):
    return yaml.safe_load(Path(path).read_text())


def merged(tier: str) -> dict:
    def merge(base, over):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    base = load(CONFIG / "config.yaml")
    return base if tier == "default" else merge(base, load(CONFIG / "tiers" / f"{tier}.yaml"))


def leaf_keys(tree: dict, prefix="") -> list:
    keys = []
    for k, v in tree.items():
        keys += leaf_keys(v, f"{prefix}{k}.") if isinstance(v, dict) else [prefix + k]
    return keys


@pytest.mark.parametrize("tier", ["smoke", "default", "full"])
def test_every_tier_validates(tier):
    jsonschema.validate(merged(tier), load(CONFIG / "schema" / "config.schema.yaml"))
    assert merged(tier)["tier"] == tier


def test_schema_rejects_unknown_and_bad_values():
    schema = load(CONFIG / "schema" / "config.schema.yaml")
    config = merged("default")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**config, "typo_key": 1}, schema)
    bad = merged("default")
    bad["jl_lemma"]["projection"]["epsilons"] = [1.5]  # JL needs 0 < ε < 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    both = merged("smoke")
    both["whitening"]["encoders"]["tiny-bert"]["model"] = "bert-base-uncased"  # and random_bert
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(both, schema)
    no_target = merged("default")
    no_target["whitening"]["fit"] = ["stsb-train"]  # the claims need target statistics
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(no_target, schema)


def test_every_config_key_is_documented():
    readme = (CONFIG / "README.md").read_text()
    documented = set(re.findall(r"`([a-z_][a-z_0-9.]*)`", readme))
    config = merged("default")
    for key in leaf_keys(config):
        article_key = key.split(".", 1)[1] if key.split(".")[0] in ("dimension_formula", "jl_lemma", "lion", "whitening", "vae_bn") else key
        assert key in documented or article_key in documented, f"config key {key} missing from config/README.md"


def test_claims_registry_is_valid_and_complete():
    claims = load(CONFIG / "claims.yaml")
    jsonschema.validate(claims, load(CONFIG / "schema" / "claims.schema.yaml"))
    ids = [c["id"] for c in claims["claims"]]
    assert len(ids) == len(set(ids))
    brief = ({f"dimension_formula.C4.{i}" for i in range(1, 6)} | {f"jl_lemma.C5.{i}" for i in range(1, 8)}
             | {f"lion.C2.{i}" for i in range(1, 7)} | {f"whitening.C1.{i}" for i in range(1, 9)}
             | {f"vae_bn.C3.{i}" for i in range(1, 5)})
    assert brief <= set(ids)  # every claim of the brief is registered
    for c in claims["claims"]:
        assert ("metrics" in c) != ("not_evaluated" in c["rule"]), c["id"]
        assert c["metrics" if "metrics" in c else "id"].startswith(c["id"].split(".")[0]), c["id"]


def test_resources_declare_checksums_and_sources():
    for name, spec in load(CONFIG / "resources.yaml").items():
        assert spec["files"] and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in spec["files"].values()), name
        assert all(len({"package", "mirror", "url"} & set(s)) == 1 for s in spec["sources"]), name
        assert all("module" in s and "loader" in s for s in spec["sources"] if "package" in s), name


def test_conda_environment_pins_what_requirements_pin():
    """envs/pipeline.yaml (jobs under --software-deployment-method conda) must not drift from
    requirements.txt; the driver-only packages (Snakemake, its plugin, the test runner) stay out."""
    pins = dict(line.split("#")[0].strip().split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                if "==" in line.split("#")[0])
    env = yaml.safe_load((ROOT / "envs" / "pipeline.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = dict(entry.split("==") for entry in pip if "==" in entry)
    assert env_pins.items() <= pins.items()
    driver_only = {"snakemake", "snakemake-executor-plugin-slurm", "pytest", "jsonschema"}
    assert set(pins) - driver_only <= set(env_pins), set(pins) - driver_only - set(env_pins)
