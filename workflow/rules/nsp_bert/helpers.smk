# Helpers of the NSP-BERT rules (workflow/rules/nsp_bert/rules.smk).


def nsp_bert_tasks() -> list:
    """The tasks some model is scored on: the data jobs the article needs."""
    return sorted({t for entry in config["nsp_bert"]["models"].values() for t in entry["tasks"]})


def nsp_bert_model_folder(model: str) -> list:
    """The local checkpoint a model entry reads: the proxy's, a random stand-in's, none for the hub."""
    entry = config["nsp_bert"]["models"][model]
    if "proxy" in entry:
        return [ZH_BERT_MODEL]
    if "random_bert" in entry:
        return [f"{W}/nsp_bert/models/{model}"]
    return []


def nsp_bert_review_split() -> dict:
    """The held-out reviews: the proxy's own split (zh_bert data settings), so no test review was pretrained on."""
    data = config["zh_bert"]["data"]
    return {"test_per_class": data["review_test_per_class"], "seed": data["review_seed"]}


def nsp_bert_task_scoring(task: str) -> dict:
    """What scoring a task needs (labels, prompts, cloze): not its data source, which the task job reads."""
    return {k: v for k, v in config["nsp_bert"]["tasks"][task].items() if k != "data"}
