# Perturbed Masking's helpers (its rules: rules.smk beside this file).


def pm_model_input(wildcards) -> dict:
    """{"model": folder}: the zh_bert proxy's checkpoint or the stand-in's folder; {} for a hub model."""
    model = config["perturbed_masking"]["model"]
    chosen = [k for k in ("proxy", "model", "random_bert") if model.get(k)]
    if len(chosen) != 1:
        raise WorkflowError(
            f"config perturbed_masking.model: set exactly one of proxy, model, random_bert (got {chosen})"
        )
    if model.get("proxy"):
        return {"model": ZH_BERT_MODEL}
    if model.get("random_bert"):
        return {"model": f"{W}/perturbed_masking/stand_in"}
    return {}


def pm_model_label() -> str:
    model = config["perturbed_masking"]["model"]
    if model.get("proxy"):
        return "in-domain proxy MLM (zh_bert, char-level, pretrained from scratch)"
    if model.get("random_bert"):
        return "random stand-in BERT"
    return model["model"]


def pm_model_short() -> str:
    """The model's name in figure titles: the proxy and the stand-in labelled as such."""
    model = config["perturbed_masking"]["model"]
    if model.get("proxy"):
        return "in-domain proxy MLM"
    if model.get("random_bert"):
        return "random stand-in BERT"
    return model["model"]
