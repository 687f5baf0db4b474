# PET's helpers (its rules: rules.smk beside this file): which checkpoint folder each model reads, which
# trained regimes run, and the data settings every scoring job shares.
PET = config["pet"]
PET_OUT = f"{R}/pet"
PET_TUNING = PET["tuning"]
PET_REGIMES = [r for r in ("continued_mlm", "semi_supervised") if PET_TUNING[r] is not None]


def pet_check_config() -> None:
    """One clear message for settings that name a model or pattern that is not there."""
    models, patterns = PET["models"], PET["patterns"]
    problems = [f"zero_shot_models: {m} is not in pet.models" for m in PET["zero_shot_models"] if m not in models]
    if PET_TUNING["model"] not in models:
        problems.append(f"tuning.model: {PET_TUNING['model']} is not in pet.models")
    problems += [f"tuning.patterns: {p} is not in pet.patterns" for p in PET_TUNING["patterns"] if p not in patterns]
    if PET["main_pattern"] not in PET_TUNING["patterns"]:
        problems.append(f"main_pattern {PET['main_pattern']} is not among tuning.patterns")
    if "continued_mlm" in PET_REGIMES and PET_TUNING["model"] not in PET["zero_shot_models"]:
        problems.append(
            "tuning.continued_mlm compares with the zero-shot score: tuning.model must be in zero_shot_models"
        )
    if problems:
        raise WorkflowError("config pet: " + "; ".join(problems))


def pet_model_folder(model: str) -> list:
    """The local checkpoint a model entry reads: the proxy's, a random stand-in's, none for the hub."""
    entry = PET["models"][model]
    if "proxy" in entry:
        return [ZH_BERT_MODEL]
    if "random_bert" in entry:
        return [f"{W}/pet/models/{model}"]
    return []


def pet_uses_zh_bert() -> bool:
    """Whether a model of this tier is the proxy or a stand-in over its vocabulary (the shared step's cost)."""
    used = set(PET["zero_shot_models"]) | {PET_TUNING["model"]}
    return any("hub" not in PET["models"][m] for m in used)


def pet_data() -> dict:
    """The task's settings: which data, the proxy's held-out split (zh_bert data settings, so that no test review
    was pretrained on), and the test subsample."""
    return {
        "data": PET["data"],
        "test_per_class": ZH_BERT["data"]["review_test_per_class"],
        "split_seed": ZH_BERT["data"]["review_seed"],
        "max_test": PET["max_test"],
    }


def pet_gpu(model: str) -> int:
    """A hub checkpoint's jobs ask for a GPU (full tier)."""
    return int("hub" in PET["models"][model])


def pet_regime_metrics() -> dict:
    """The trained regimes' metrics files by name: few-shot always, continued MLM and semi-supervised when set."""
    return {"few_shot": f"{PET_OUT}/metrics/few_shot.json"} | {r: f"{PET_OUT}/metrics/{r}.json" for r in PET_REGIMES}


pet_check_config()
