# Ladder Side-Tuning (kexue.fm 9138): brief shared/articles/ladder_side_tuning_9138.md
#   data         the two proxy tasks from PTB: easy (shuffled or not), hard (pointer to the word after a query)
#   random_bert  a randomly initialised BERT stand-in (smoke tier) saved locally, per role (train, speed)
#   train        one job per seed: full fine-tuning and LST (train.methods) on both tasks → test accuracy
#   accuracy     the gaps Δ = full − LST per task and seed (claim easy_close_hard_drop, CPU proxy)
#   speed        time per training step and peak RSS of every method, each in its own process, in one job
#                (claims speed, backprop_depth)
#   figures      tables and figures from the metrics only
LST = config["ladder_side_tuning"]
LST_OUT = f"{R}/ladder_side_tuning"
LST_W = f"{W}/ladder_side_tuning"

ARTICLE_OUTPUTS["ladder_side_tuning"] = [
    f"{LST_OUT}/tables/accuracy.csv",
    f"{LST_OUT}/tables/speed.csv",
    f"{LST_OUT}/figures/accuracy.png",
    f"{LST_OUT}/figures/speed.png",
]

ARTICLE_BENCHMARKS["ladder_side_tuning"] = [
    benchmark("ladder_side_tuning", name)
    for name in ["data", "accuracy", "speed", "figures"]
    + [f"train_seed{seed}" for seed in LST["train"]["seeds"]]
    + [f"random_bert_{role}" for role in ("train", "speed") if lst_backbone_spec(role)["random_bert"]]
]


rule ladder_side_tuning:
    """Everything for Ladder Side-Tuning: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["ladder_side_tuning"],
        f"{LST_OUT}/verdicts.csv",
        f"{LST_OUT}/REPORT.md",


rule ladder_side_tuning_data:
    """The easy and hard tasks' train and test examples from PTB (train from ptb.train, test from ptb.valid)."""
    input:
        resource("ptb"),
    output:
        f"{LST_W}/tasks.json",
    log:
        f"{LST_W}/logs/data.log",
    benchmark:
        benchmark("ladder_side_tuning", "data")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=LST["data"],
    script:
        "../../../scripts/ladder_side_tuning/data.py"


rule ladder_side_tuning_random_bert:
    """A randomly initialised BERT with MiniLM's WordPiece vocabulary, saved locally: the smoke tier's
    stand-in backbone, semantically meaningless."""
    output:
        directory(f"{LST_W}/models/{{role}}"),
    log:
        f"{LST_W}/logs/random_bert_{{role}}.log",
    benchmark:
        benchmark("ladder_side_tuning", "random_bert_{role}")
    wildcard_constraints:
        role="train|speed",
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=lambda wc: lst_backbone_spec(wc.role)["random_bert"],
    script:
        "../../../scripts/ladder_side_tuning/random_bert.py"


rule ladder_side_tuning_train:
    """One seed: every method of train.methods on both tasks, test accuracy and the loss curve."""
    input:
        unpack(lambda wc: lst_backbone_input("train")),
        tasks=f"{LST_W}/tasks.json",
    output:
        f"{LST_W}/runs/seed{{seed}}.json",
    log:
        f"{LST_W}/logs/train_seed{{seed}}.log",
    benchmark:
        benchmark("ladder_side_tuning", "train_seed{seed}")
    wildcard_constraints:
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: LST["train"]["threads"]
    resources:
        mem_mb=3000,
        runtime=60,
    params:
        **lst_method_settings(),
        backbone=LST["backbone"],
        network=config["network"],
        train_methods=LST["train"]["methods"],
        epochs=LST["train"]["epochs"],
        batch_size=LST["train"]["batch_size"],
    script:
        "../../../scripts/ladder_side_tuning/train.py"


rule ladder_side_tuning_accuracy:
    """Claim easy_close_hard_drop (CPU proxy): per-seed gaps Δ = full − LST and their contrast."""
    input:
        expand(f"{LST_W}/runs/seed{{seed}}.json", seed=LST["train"]["seeds"]),
    output:
        f"{LST_OUT}/metrics/accuracy.json",
    log:
        f"{LST_W}/logs/accuracy.log",
    benchmark:
        benchmark("ladder_side_tuning", "accuracy")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        stand_in=bool(LST["backbone"]["random_bert"]),
        curve_points=10,
    script:
        "../../../scripts/ladder_side_tuning/accuracy.py"


rule ladder_side_tuning_speed:
    """Claims speed, backprop_depth: scripts/ladder_side_tuning/step_time.py once per method, each in a fresh
    process (its own peak RSS), on the same batch and thread count; the ratios come from this one job."""
    input:
        unpack(lambda wc: lst_backbone_input("speed")),
        script="scripts/ladder_side_tuning/step_time.py",
        tasks=f"{LST_W}/tasks.json",
    output:
        f"{LST_OUT}/metrics/speed.json",
    log:
        f"{LST_W}/logs/speed.log",
    benchmark:
        benchmark("ladder_side_tuning", "speed")
    conda:
        "../../../envs/pipeline.yaml"
    threads: LST["speed"]["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        **{k: v for k, v in LST["speed"].items() if k not in ("backbone", "threads", "methods")},
        **lst_method_settings(),
        backbone=LST["speed"]["backbone"],
        network=config["network"],
        stand_in=bool(LST["speed"]["backbone"]["random_bert"]),
        timed_methods=LST["speed"]["methods"],
    script:
        "../../../scripts/ladder_side_tuning/speed.py"


rule ladder_side_tuning_figures:
    """Tables and figures from the metrics only."""
    input:
        accuracy=f"{LST_OUT}/metrics/accuracy.json",
        speed=f"{LST_OUT}/metrics/speed.json",
    output:
        accuracy_table=f"{LST_OUT}/tables/accuracy.csv",
        speed_table=f"{LST_OUT}/tables/speed.csv",
        accuracy=figure(f"{LST_OUT}/figures/accuracy.png", "accuracy.rst", "ladder_side_tuning"),
        speed=figure(f"{LST_OUT}/figures/speed.png", "speed.rst", "ladder_side_tuning"),
    log:
        f"{LST_W}/logs/figures.log",
    benchmark:
        benchmark("ladder_side_tuning", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/ladder_side_tuning/figures.py"
