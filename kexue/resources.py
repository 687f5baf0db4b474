"""Acquire declared resources (datasets, models): sources tried in order, checksums verified.

A resource is declared in config/resources.yaml by the files it must yield (name → sha256) and an
ordered list of sources: a pip package, a local mirror folder, the public URL. The first source
that yields every file with the right checksum wins; if none does, one ResourceError says which
resource, what each source answered, and how to provide it. Every job that reads an acquired resource
re-hashes its files first (check_acquired): a file changed after acquisition is never used silently.
"""

import hashlib
import importlib
import importlib.util
import json
import os
import urllib.request
from pathlib import Path


class ResourceError(RuntimeError):
    pass


class SourceUnavailable(Exception):
    pass


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def from_package(source: dict, files) -> dict:
    # find_spec, not import: a data package installed --no-deps may not import, yet ships its files
    if importlib.util.find_spec(source["module"]) is None:
        raise SourceUnavailable(f"pip package '{source['package']}' is not installed")
    module, function = source["loader"].split(":")
    return getattr(importlib.import_module(module), function)(files)


def from_mirror(source: dict, files, mirrors: dict) -> dict:
    key = source["mirror"]
    folder = mirrors.get(key)
    if not folder:
        raise SourceUnavailable(f"no mirror set (config key mirrors.{key})")
    missing = [f for f in files if not (Path(folder) / f).is_file()]
    if missing:
        raise SourceUnavailable(f"mirror folder '{folder}' lacks {', '.join(missing)}")
    return {f: (Path(folder) / f).read_bytes() for f in files}


def from_url(source: dict, files, network: bool) -> dict:
    if not network:
        raise SourceUnavailable("network disabled (config key network: false)")
    try:
        return {f: urllib.request.urlopen(source["url"] + f, timeout=30).read() for f in files}
    except OSError as err:
        raise SourceUnavailable(f"download from {source['url']} failed: {err}") from err


def describe(source: dict) -> str:
    kind = next(k for k in ("package", "mirror", "url") if k in source)
    return f"{kind} {source[kind]}"


def fetch(source: dict, files, mirrors: dict, network: bool) -> dict:
    if "package" in source:
        return from_package(source, files)
    if "mirror" in source:
        return from_mirror(source, files, mirrors)
    return from_url(source, files, network)


def verify(blobs: dict, expected: dict) -> None:
    """Raise SourceUnavailable naming every file whose sha256 is not the declared one."""
    bad = [
        f"{f} (sha256 {sha256(blobs[f])[:12]}…, expected {h[:12]}…)"
        for f, h in expected.items()
        if sha256(blobs[f]) != h
    ]
    if bad:
        raise SourceUnavailable("checksum mismatch: " + "; ".join(bad))


def acquire(name: str, spec: dict, dest, mirrors: dict, network: bool, log=print) -> dict:
    """Write the files of resource `name` into `dest` from the first source that yields all of them
    intact. Returns the manifest {resource, source, files: {name: sha256}}."""
    expected = spec["files"]
    tried = []
    for source in spec["sources"]:
        try:
            blobs = fetch(source, list(expected), mirrors, network)
            verify(blobs, expected)
        except SourceUnavailable as why:
            tried.append(f"  - {describe(source)}: {why}")
            log(f"resource {name}: {describe(source)} unavailable: {why}")
            continue
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        for f, data in blobs.items():
            tmp = dest / f".{f}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, dest / f)
        log(f"resource {name}: {len(blobs)} file(s) from {describe(source)}, checksums verified")
        return {"resource": name, "source": describe(source), "files": dict(expected)}
    raise ResourceError(
        f"Resource '{name}' ({spec.get('description', '')}) could not be provided. Sources tried:\n"
        + "\n".join(tried)
        + f"\nTo fix: install the pip package named above, or put {', '.join(expected)} in a folder and "
        f"set mirrors.{name} to it (--config 'mirrors={{{name}: /path}}' or config/config.yaml), "
        "or allow downloads with network: true on a machine with internet."
    )


def file_sha256(path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_acquired(manifest_path) -> None:
    """Re-hash an acquired resource's files against its manifest; ResourceError (one message) names the
    resource, the file, the expected and found sha256, and the fix."""
    manifest_path = Path(manifest_path)
    folder, manifest = manifest_path.parent, json.loads(manifest_path.read_text())
    for name, expected in manifest["files"].items():
        path = folder / name
        found = file_sha256(path) if path.is_file() else "no file"
        if found != expected:
            raise ResourceError(
                f"resource '{manifest['resource']}': {path} changed after it was acquired (sha256 expected "
                f"{expected}, found {found}); to fix: delete {folder}/ and rerun, which re-acquires it and "
                "reruns what used it"
            )
