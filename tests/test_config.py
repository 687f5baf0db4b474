"""Configuration: every tier validates, a wrong key or value gets one line naming it, the key tables are
generated from the schemas, resources declare checksums, the conda environment follows requirements."""

import re
from pathlib import Path

import pytest
import yaml

from kexue import config as kexue_config
from kexue import docs

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"


def load(path):
    return yaml.safe_load(Path(path).read_text())


def resolved(tier: str, **cli) -> dict:
    return kexue_config.resolve(ROOT, {"tier": tier, **cli})


@pytest.mark.parametrize("tier", ["smoke", "default", "full"])
def test_every_tier_validates(tier):
    config = resolved(tier)
    kexue_config.validate(ROOT, config)
    assert config["tier"] == tier and set(kexue_config.article_slugs(ROOT)) <= set(config)


def test_article_sections_come_from_their_folders_in_the_defaults_order():
    smoke = resolved("smoke")
    default = load(CONFIG / "articles" / "jl_lemma" / "config.yaml")
    override = load(CONFIG / "articles" / "jl_lemma" / "smoke.yaml")
    assert list(smoke["jl_lemma"]) == list(default)  # key order of the defaults, whatever the tier file's
    assert smoke["jl_lemma"]["lemmas"]["draws"] == override["lemmas"]["draws"] != default["lemmas"]["draws"]
    assert smoke["jl_lemma"]["lemmas"]["seed"] == default["lemmas"]["seed"]  # untouched keys stay
    cli = resolved("smoke", jl_lemma={"lemmas": {"draws": 7}})
    assert cli["jl_lemma"]["lemmas"]["draws"] == 7  # the command line wins over the tier


def test_schema_defaults_are_filled_in():
    config = resolved("default")
    kexue_config.validate(ROOT, config)
    assert config["vae_bn"]["arms"]["vanilla"] == {"head": "plain", "kl_start": 1.0, "warm_up_epochs": 0}


@pytest.mark.parametrize(
    "cli, message",
    [
        ({"typo_key": 1}, "config key 'typo_key': unknown key; the top level allows tier,"),
        (
            {"lion": {"bogus": 1}},
            "config key 'lion.bogus': unknown key; config/articles/lion/schema.yaml allows here: enabled, optimizers,",
        ),
        ({"jl_lemma": {"projection": {"epsilons": [1.5]}}}, "config key 'jl_lemma.projection.epsilons.0': 1.5"),
        (
            {"dimension_formula": {"capacity": {"target": "circle"}}},
            "config key 'dimension_formula.capacity.target': 'circle' is not one of",
        ),
        ({"network": "maybe"}, "config key 'network': 'maybe' is not of type 'boolean'"),
        ({"whitening": {"fit": ["stsb-train"]}}, "config key 'whitening.fit'"),  # the claims need target statistics
    ],
)
def test_a_wrong_key_or_value_gets_one_line_naming_it(cli, message):
    config = kexue_config.resolve(ROOT, cli)
    with pytest.raises(kexue_config.ConfigError) as error:
        kexue_config.validate(ROOT, config)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_command_line_strings_become_the_types_the_schema_asks_for():
    """--config network=false arrives as the string 'false' (and nested values too): where the schema does
    not allow a string, a spelled boolean, null or number becomes that value; strings stay strings."""
    cli = {
        "network": "false",
        "mirrors": {"sts": "null"},
        "lion": {"enabled": "False"},
        "jl_lemma": {"lemmas": {"seed": "7"}},
    }
    config = kexue_config.resolve(ROOT, cli)
    kexue_config.validate(ROOT, config)
    assert config["network"] is False and config["mirrors"]["sts"] is None
    assert config["lion"]["enabled"] is False and config["jl_lemma"]["lemmas"]["seed"] == 7
    config = kexue_config.resolve(ROOT, {"mirrors": {"sts": "true"}, "tier": "default"})
    kexue_config.validate(ROOT, config)
    assert config["mirrors"]["sts"] == "true"  # a folder named "true": the schema allows a string here


def test_a_model_and_a_random_bert_together_are_refused():
    config = resolved("smoke")
    config["whitening"]["encoders"]["tiny-bert"]["model"] = "bert-base-uncased"
    with pytest.raises(kexue_config.ConfigError, match="whitening.encoders.tiny-bert"):
        kexue_config.validate(ROOT, config)


def test_an_unknown_tier_names_the_tiers():
    with pytest.raises(kexue_config.ConfigError, match="no tier 'huge'; the tiers are default, full, smoke"):
        kexue_config.resolve(ROOT, {"tier": "huge"})


def test_key_tables_are_generated_from_the_schemas():
    """Run `make docs` (python -m kexue.docs) after changing a schema or a tier file."""
    assert docs.stale(ROOT) == []


def test_key_table_shows_defaults_tier_values_and_descriptions():
    schema = {
        "properties": {
            "a": {"description": "the a"},
            "g": {"description": "a group", "properties": {"b": {"description": "the b"}}},
            "m": {"additionalProperties": {"$ref": "#/$defs/e"}},
        },
        "$defs": {"e": {"properties": {"x": {"description": "an entry's x"}}}},
    }
    table = docs.key_table(
        schema, {"a": 1, "g": {"b": [1, 2], "c": 3}, "m": {"bn0.6": {"x": 1}}}, {"smoke": {"a": 2}, "full": {}}
    )
    assert "| `a` | `1` | `2` |  | the a |" in table
    assert "| `g.b` | `[1, 2]` |  |  | the b |" in table
    assert "| `g.c` | `3` |  |  | a group |" in table  # no description of its own: the parent's
    assert "| `m.bn0.6.x` | `1` |  |  | an entry's x |" in table


def test_resources_declare_checksums_and_sources():
    for name, spec in load(CONFIG / "resources.yaml").items():
        assert spec["files"] and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in spec["files"].values()), name
        assert all(len({"package", "mirror", "url"} & set(s)) == 1 for s in spec["sources"]), name
        assert all("module" in s and "loader" in s for s in spec["sources"] if "package" in s), name


def test_catalog_lists_the_seeds_articles_once():
    catalog = load(CONFIG / "catalog.yaml")["articles"]
    assert len(catalog) == 33
    slugs = [s for entry in catalog for s in entry["slugs"]]
    assert len(slugs) == len(set(slugs))
    assert [e["archives"] for e in catalog if not e["slugs"]] == [[8715]]  # no testable claim


def test_conda_environment_pins_what_requirements_pin():
    """envs/pipeline.yaml (jobs under --software-deployment-method conda) must not drift from
    requirements.txt; the driver-only packages (Snakemake, its plugin, the test runner) stay out."""
    pins = dict(
        line.split("#")[0].strip().split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line.split("#")[0]
    )
    env = yaml.safe_load((ROOT / "envs" / "pipeline.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = dict(entry.split("==") for entry in pip if "==" in entry)
    assert env_pins.items() <= pins.items()
    driver_only = {"snakemake", "snakemake-executor-plugin-slurm", "pytest", "jsonschema", "ruff", "snakefmt"}
    assert set(pins) - driver_only <= set(env_pins), set(pins) - driver_only - set(env_pins)
