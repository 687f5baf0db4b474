# BERT-whitening's helpers (its rules: rules.smk beside this file): one encoding per (encoder, task), one
# evaluation per pooling.


def whitening_rows() -> list:
    """(encoder, pooling, task) of every evaluation job, in config order."""
    encoders = config["whitening"]["encoders"]
    return [(e, p, t) for e, spec in encoders.items() for t in spec["tasks"] for p in spec["poolings"]]


def whitening_loader(encoder) -> dict:
    """The settings that decide an encoder's vectors (its `model` or `random_bert`): the encoding jobs'
    params, so that editing its poolings, ks or tasks never re-encodes."""
    spec = config["whitening"]["encoders"][encoder]
    return {key: spec[key] for key in ("model", "random_bert") if key in spec}


def whitening_model_input(encoder) -> dict:
    """{"model": folder} for an entry with `random_bert` (built by rule whitening_random_bert), else {}."""
    spec = config["whitening"]["encoders"][encoder]
    if "random_bert" in spec and "model" in spec:
        raise WorkflowError(f"config whitening.encoders.{encoder}: give `model` or `random_bert`, not both")
    return {"model": f"{W}/whitening/models/{encoder}"} if "random_bert" in spec else {}


def whitening_fit_corpora() -> list:
    """(name, task, split) of every fitting corpus of whitening.fit other than "target": a name is
    <task>-<split>, e.g. stsb-train, whose vectors come from that task's cache."""
    return [(name, *name.rsplit("-", 1)) for name in config["whitening"]["fit"] if name != "target"]


def whitening_embeddings(encoder, task) -> str:
    """The cached vectors of every target sentence of a task, all poolings of the encoder (.npz)."""
    return f"{W}/whitening/embeddings/{encoder}/{task}.npz"


def whitening_scores(encoder, pooling, task) -> str:
    """Spearman × 100 of every (β, γ, k) cell, split and subset of one (encoder, pooling, task)."""
    return f"{W}/whitening/scores/{encoder}/{pooling}/{task}.csv"


def whitening_checks(encoder, pooling, task) -> str:
    """The algebra checks (C1.1, C1.1b) and the C1.7 tuning of one (encoder, pooling, task)."""
    return f"{W}/whitening/scores/{encoder}/{pooling}/{task}.json"
