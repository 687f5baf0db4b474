"""The pipeline's configuration: a few shared keys, and one section per article from its own folder.

    config/config.yaml, config/tiers/<tier>.yaml          the shared keys (tier, folders, network, mirrors)
    config/articles/<slug>/config.yaml                    config["<slug>"] on the default tier
    config/articles/<slug>/<tier>.yaml                    only what differs on that tier
    config/articles/<slug>/schema.yaml                    every key of config["<slug>"], with a description
    config/steps/<name>/config.yaml, <tier>.yaml, schema.yaml   the same for a shared step (config["<name>"])

An article is a folder of config/articles/ that holds a claims.yaml. A shared step is a folder of
config/steps/: a computation several articles read (a pretrained proxy model), with its settings, rules
(workflow/rules/steps/<name>.smk), outputs and provenance, but no claims of its own. The merge order is defaults, then
the tier's files, then the command line (--configfile, --config), always onto the defaults' key order:
Snakemake compares params by their repr, so the same values in another order would rerun jobs.
A wrong key or value raises ConfigError with one line naming the key path, the schema file and the fix.
"""

from functools import cache
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import jsonschema
import yaml
from jsonschema import Draft202012Validator, validators
from referencing import Registry, Resource

SHARED_SCHEMA = "config/schema/config.schema.yaml"


class ConfigError(ValueError):
    """A configuration key or value that the schema refuses; the message is one line."""


# libyaml's parser where PyYAML has it: planning parses every article's files on each run
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> dict:
    return yaml.load(Path(path).read_text(), Loader=LOADER) or {}


@cache
def load_schema(path: Path) -> dict:
    """A schema file, parsed once per process (schemas are read, never modified)."""
    return load_yaml(path)


def article_slugs(root: Path) -> list[str]:
    """Every article of the pipeline: the folders of config/articles/ that hold a claims.yaml."""
    return sorted(p.parent.name for p in Path(root, "config", "articles").glob("*/claims.yaml"))


def step_names(root: Path) -> list[str]:
    """Every shared step: the folders of config/steps/ that hold a config.yaml."""
    return sorted(p.parent.name for p in Path(root, "config", "steps").glob("*/config.yaml"))


def section_folders(root: Path) -> dict[str, str]:
    """Each config section beside the shared keys, and the folder (relative to root) that holds its files:
    config["<slug>"] from config/articles/<slug>/, config["<name>"] from config/steps/<name>/."""
    return {slug: f"config/articles/{slug}" for slug in article_slugs(root)} | {
        name: f"config/steps/{name}" for name in step_names(root)
    }


def deep_merge(base: dict, override: dict) -> dict:
    """`override` onto `base`, keeping base's key order; nested mappings merge, anything else replaces."""
    merged = dict(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def tier_files(root: Path, tier: str) -> dict:
    """A tier's overrides: the shared tier file plus each article's (and shared step's) <tier>.yaml under its name.
    The default tier is the defaults themselves (config.yaml files)."""
    root = Path(root)
    name = "config.yaml" if tier == "default" else f"{tier}.yaml"
    shared = root / "config" / ("config.yaml" if tier == "default" else f"tiers/{tier}.yaml")
    if not shared.is_file():
        tiers = ["default"] + sorted(p.stem for p in (root / "config" / "tiers").glob("*.yaml"))
        raise ConfigError(
            f"config key 'tier': no tier '{tier}'; the tiers are {', '.join(tiers)} (files in config/tiers/)"
        )
    merged = load_yaml(shared)
    for section, folder in section_folders(root).items():
        path = root / folder / name
        if path.is_file():
            merged[section] = load_yaml(path)
    return merged


def resolve(root: Path, cli: dict) -> dict:
    """Defaults, then the tier's overrides, then the command line's values (`cli`)."""
    cli = _nulls(cli)
    merged = deep_merge(tier_files(root, "default"), cli)
    tier = merged.get("tier", "default")
    if tier != "default":
        merged = deep_merge(deep_merge(tier_files(root, "default"), tier_files(root, tier)), cli)
    return merged


@cache
def _schema_validator(path: Path, with_defaults: bool):
    """A draft 2020-12 validator of the YAML schema at `path`; relative $refs resolve against its file.
    With defaults, validating fills in a property's `default` where it is missing (as Snakemake's
    validate does)."""
    schema = {**load_schema(path), "$id": path.resolve().as_uri()}
    registry = Registry(
        retrieve=lambda uri: Resource.from_contents(load_schema(Path(url2pathname(urlparse(uri).path))))
    )
    cls = Draft202012Validator
    if with_defaults:
        check_properties = cls.VALIDATORS["properties"]

        def fill_defaults(validator, properties, instance, schema_):
            for name, subschema in properties.items():
                if isinstance(instance, dict) and "default" in subschema:
                    instance.setdefault(name, subschema["default"])
            yield from check_properties(validator, properties, instance, schema_)

        cls = validators.extend(cls, {"properties": fill_defaults})
    return cls(schema, registry=registry)


def error_line(error: jsonschema.ValidationError, prefix: str, schema_file: str) -> str:
    """One line for a schema error: the key path, what is wrong, where the keys are documented."""
    path = ".".join([prefix, *map(str, error.absolute_path)]) if prefix else ".".join(map(str, error.absolute_path))
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        pattern = ", ".join(error.schema.get("patternProperties", {}))
        key = f"{path}.{unknown[0]}" if path else unknown[0]
        allows = ", ".join(allowed) + (f" (or a name matching {pattern})" if pattern else "")
        return f"config key '{key}': unknown key; {schema_file} allows here: {allows}"
    hint = ""
    if error.validator == "type" and isinstance(error.instance, str):
        hint = "; on the command line write true/false, null or a number, e.g. --config network=false"
    return f"config key '{path or '(top level)'}': {error.message}{hint} (keys and values: {schema_file})"


def validate(root: Path, config: dict) -> None:
    """Validate the shared keys and each article's (and shared step's) section, filling in schema defaults;
    raise ConfigError with one line for the first error found."""
    root = Path(root)
    folders = section_folders(root)
    slugs = list(folders)
    shared = load_schema(root / SHARED_SCHEMA)
    unknown = [k for k in config if k not in shared["properties"] and k not in slugs]
    if unknown:
        raise ConfigError(
            f"config key '{unknown[0]}': unknown key; the top level allows "
            f"{', '.join(shared['properties'])} and one section per article or shared step ({', '.join(slugs)})"
        )
    checks = [
        (
            _schema_validator(root / SHARED_SCHEMA, True),
            {k: v for k, v in config.items() if k not in slugs},
            "",
            SHARED_SCHEMA,
        )
    ]
    for slug in slugs:
        schema_file = f"{folders[slug]}/schema.yaml"
        checks.append((_schema_validator(root / schema_file, True), config.setdefault(slug, {}), slug, schema_file))
    for validator, instance, prefix, schema_file in checks:
        coerce_typed_strings(validator, instance)
        if not prefix:
            config.update(instance)  # the shared keys were checked on a copy
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise ConfigError(error_line(error, prefix, schema_file))


def coerce_typed_strings(validator, instance: dict) -> None:
    """`--config network=false` hands the schema the string 'false': where the schema does not allow a
    string, a string that spells a boolean, null or number (as YAML or Python's float reads it) becomes
    that value. Anything else is left for the schema to refuse."""
    while True:
        for error in validator.iter_errors(instance):
            if error.validator == "type" and isinstance(error.instance, str) and error.absolute_path:
                value = _scalar(error.instance)
                allowed = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
                if not isinstance(value, str) and any(validator.is_type(value, t) for t in allowed):
                    *parents, last = error.absolute_path
                    target = instance
                    for key in parents:
                        target = target[key]
                    target[last] = value
                    break  # the instance changed: look again from the start
        else:
            return


def _nulls(value):
    """Snakemake reads --config values with YAML's BaseLoader, so `mirrors={sts: null}` gives the string
    'null': on the command line it can only mean null (a folder named so is written ./null)."""
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    return None if value == "null" else value


def _scalar(text: str):
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:
            return float(text)  # YAML 1.1 reads 3e-4 as a string
        except ValueError:
            return text
    return value


CLAIMS_SCHEMA = "config/schema/claims.schema.yaml"


def load_claims(root: Path, slug: str) -> dict:
    """An article's claims registry, validated; ConfigError (one line) names the file and the field."""
    path = Path(root, "config", "articles", slug, "claims.yaml")
    registry = load_yaml(path)
    error = jsonschema.exceptions.best_match(_schema_validator(Path(root, CLAIMS_SCHEMA), False).iter_errors(registry))
    if error is not None:
        where = ".".join(map(str, error.absolute_path)) or "(top level)"
        raise ConfigError(
            f"claims registry config/articles/{slug}/claims.yaml, at {where}: {error.message} (fields: {CLAIMS_SCHEMA})"
        )
    wrong = [c["id"] for c in registry["claims"] if c["id"].split(".")[0] != slug]
    if wrong:
        raise ConfigError(f"claims registry config/articles/{slug}/claims.yaml: ids must start with '{slug}.': {wrong}")
    return registry
