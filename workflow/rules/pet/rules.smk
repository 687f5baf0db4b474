# PET: BERT's MLM as a few-shot learner (kexue.fm 7764), helpers in helpers.smk.
#   zero_shot        the five patterns with the 很/不 verbaliser, one job per model      (pet.zero_shot,
#                    pet.large_beats_base, pet.prefix_beats_suffix; the proxy's: pet.proxy_mechanism)
#   continued_mlm    MLM on the training texts without labels, then zero-shot             (pet.continued_mlm)
#   few_shot         PET against [CLS] fine-tuning on the same labels, per pattern and seed (pet.few_shot,
#                    pet.proxy_few_shot)
#   semi_supervised  labelled texts with the pattern + unlabelled without, one pool        (pet.semi_supervised)
#   summary          the claims' numbers from all of them; figures: tables and figures from the metrics
# Models (config pet.models): {proxy: true} is the shared proxy BERT (step zh_bert: ZH_BERT_MODEL), {hub: name}
# a hub checkpoint (full tier), {random_bert: {...}} a tiny random stand-in over the proxy's vocabulary (smoke).


ARTICLE_OUTPUTS["pet"] = [
    f"{PET_OUT}/tables/zero_shot.csv",
    f"{PET_OUT}/tables/few_shot.csv",
    f"{PET_OUT}/figures/zero_shot.png",
    f"{PET_OUT}/figures/few_shot.png",
]
ARTICLE_BENCHMARKS["pet"] = (
    [benchmark("pet", f"zero_shot_{m}") for m in PET["zero_shot_models"]]
    + [benchmark("pet", r) for r in pet_regime_metrics()]
    + [benchmark("pet", "figures")]
    + ([ZH_BERT_BENCHMARK] if pet_uses_zh_bert() else [])
)


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
    wildcard_constraints:
        model="|".join(m for m, e in PET["models"].items() if "random_bert" in e) or "no_stand_in",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=lambda wc: PET["models"][wc.model]["random_bert"],
    script:
        "../../../scripts/pet/random_bert.py"


rule pet_zero_shot:
    """Zero-shot accuracy of every pattern on the test texts, and the MLM-head check (the brief's trap)."""
    input:
        data=resource(PET["data"]),
        folder=lambda wc: pet_model_folder(wc.model),
    output:
        f"{PET_OUT}/metrics/zero_shot_{{model}}.json",
    log:
        f"{W}/pet/logs/zero_shot_{{model}}.log",
    benchmark:
        benchmark("pet", "zero_shot_{model}")
    wildcard_constraints:
        model="|".join(PET["zero_shot_models"]),
    conda:
        "../../../envs/pipeline.yaml"
    threads: PET["threads"]
    resources:
        mem_mb=3000,
        runtime=30,
        gpu=lambda wc: pet_gpu(wc.model),
    params:
        **pet_data(),
        model=lambda wc: PET["models"][wc.model],
        patterns=PET["patterns"],
        verbaliser=PET["verbaliser"],
        max_chars=PET["max_chars"],
        batch_size=PET["batch_size"],
        mlm_check=PET["mlm_check"],
    script:
        "../../../scripts/pet/zero_shot.py"


rule pet_continued_mlm:
    """Zero-shot-2: MLM training on the task's training texts (no labels, no pattern), then zero-shot."""
    input:
        data=resource(PET["data"]),
        folder=pet_model_folder(PET_TUNING["model"]),
    output:
        f"{PET_OUT}/metrics/continued_mlm.json",
    log:
        f"{W}/pet/logs/continued_mlm.log",
    benchmark:
        benchmark("pet", "continued_mlm")
    conda:
        "../../../envs/pipeline.yaml"
    threads: PET["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=pet_gpu(PET_TUNING["model"]),
    params:
        **pet_data(),
        name=PET_TUNING["model"],
        model=PET["models"][PET_TUNING["model"]],
        patterns=PET["patterns"],
        verbaliser=PET["verbaliser"],
        max_chars=PET["max_chars"],
        batch_size=PET["batch_size"],
        train=PET_TUNING["continued_mlm"],
        seed=PET_TUNING["seeds"][0],
    script:
        "../../../scripts/pet/continued_mlm.py"


rule pet_few_shot:
    """PET with each pattern and ordinary [CLS] fine-tuning, on the same labelled texts, one run per seed."""
    input:
        data=resource(PET["data"]),
        folder=pet_model_folder(PET_TUNING["model"]),
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
        mem_mb=4000,
        runtime=60,
        gpu=pet_gpu(PET_TUNING["model"]),
    params:
        **pet_data(),
        name=PET_TUNING["model"],
        model=PET["models"][PET_TUNING["model"]],
        patterns={p: PET["patterns"][p] for p in PET_TUNING["patterns"]},
        verbaliser=PET["verbaliser"],
        max_chars=PET["max_chars"],
        batch_size=PET["batch_size"],
        labels=PET_TUNING["labels"],
        seeds=PET_TUNING["seeds"],
        train=PET_TUNING["few_shot"],
        classifier=PET_TUNING["classifier"],
    script:
        "../../../scripts/pet/few_shot.py"


rule pet_semi_supervised:
    """Semi-supervised PET: the few-shot labels with the pattern and every other training text without it."""
    input:
        data=resource(PET["data"]),
        folder=pet_model_folder(PET_TUNING["model"]),
    output:
        f"{PET_OUT}/metrics/semi_supervised.json",
    log:
        f"{W}/pet/logs/semi_supervised.log",
    benchmark:
        benchmark("pet", "semi_supervised")
    conda:
        "../../../envs/pipeline.yaml"
    threads: PET["threads"]
    resources:
        mem_mb=4000,
        runtime=120,
        gpu=pet_gpu(PET_TUNING["model"]),
    params:
        **pet_data(),
        name=PET_TUNING["model"],
        model=PET["models"][PET_TUNING["model"]],
        patterns={p: PET["patterns"][p] for p in PET_TUNING["patterns"]},
        verbaliser=PET["verbaliser"],
        max_chars=PET["max_chars"],
        batch_size=PET["batch_size"],
        labels=PET_TUNING["labels"],
        seeds=PET_TUNING["seeds"],
        train=PET_TUNING["semi_supervised"],
    script:
        "../../../scripts/pet/semi_supervised.py"


rule pet_summary:
    """The numbers every claim reads (metrics/summary.json), from the scoring and training jobs."""
    input:
        **pet_regime_metrics(),
        zero_shot=expand(f"{PET_OUT}/metrics/zero_shot_{{model}}.json", model=PET["zero_shot_models"]),
    output:
        f"{PET_OUT}/metrics/summary.json",
    log:
        f"{W}/pet/logs/summary.log",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        roles=PET["roles"],
        main_pattern=PET["main_pattern"],
    script:
        "../../../scripts/pet/summary.py"


rule pet_figures:
    """Tables and figures from the metrics only, the article's numbers (claims.yaml parameters) beside ours."""
    input:
        **pet_regime_metrics(),
        summary=f"{PET_OUT}/metrics/summary.json",
        zero_shot=expand(f"{PET_OUT}/metrics/zero_shot_{{model}}.json", model=PET["zero_shot_models"]),
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
    params:
        zero_shot=claim_parameters("pet.zero_shot"),
        continued_mlm=claim_parameters("pet.continued_mlm"),
        few_shot=claim_parameters("pet.few_shot"),
        semi_supervised=claim_parameters("pet.semi_supervised"),
        main_pattern=PET["main_pattern"],
    script:
        "../../../scripts/pet/figures.py"
