# BERT-whitening with β, γ (kexue.fm 9079, 8069, 8321): brief shared/articles/whitening.md
#   random_bert  an entry with `random_bert` (smoke tier): a randomly initialised BERT saved to the work dir,
#              the stand-in that runs the transformers code path without the hub
#   encode     one job per (encoder, task), an encoder being minilm, glove, use or any entry with a
#              `model` (transformers hub name or local folder; the full tier's BERT rows) or `random_bert`:
#              every target sentence (all splits, both sides), every pooling the encoder has (cls,
#              last-avg, first-last-avg from one forward pass), cached as .npz in the work dir; only
#              the loader settings are its params, so poolings, ks and grids never re-encode
#   evaluate   one job per (encoder, pooling, task), reading the cache: Spearman × 100 of every (β, γ, k)
#              cell per split and subset, target statistics (and those of whitening.fit's other corpora,
#              a split of another task's cache), plus the C1.1/C1.1b checks and the C1.7
#              tuning grid; the (β, γ) grid is a parameter of this rule only, so changing it reruns
#              evaluations, never encodings
#   summary    the claim metrics (C1.1–C1.8) and every grid cell → results/whitening/metrics/
#   figures    heatmaps over (β, γ), Spearman against k, the a/b/c table, from the metrics only
#   throughput bench/encode_throughput.py: MiniLM sentences/s, ours vs a plain transformers loop, and the
#              C1.7 grid's time against encoding time (informational metrics, no claim)
WHITENING = config["whitening"]
WHITENING_OUT = f"{R}/whitening"
WHITENING_ROWS = whitening_rows()
WHITENING_ENCODINGS = sorted({(e, t) for e, _, t in WHITENING_ROWS})
# every STS set an encoding reads, the fitting corpora's included (read once, by whitening_sts)
WHITENING_TASKS = sorted({t for _, t in WHITENING_ENCODINGS} | {t for _, t, _ in whitening_fit_corpora()} | {"stsb"})
WHITENING_ENCODER_NAMES = "|".join(sorted(WHITENING["encoders"], key=len, reverse=True))

ARTICLE_OUTPUTS["whitening"] = [
    f"{WHITENING_OUT}/tables/scores.csv",
    f"{WHITENING_OUT}/tables/abc.csv",
    f"{WHITENING_OUT}/tables/tuning.csv",
    f"{WHITENING_OUT}/figures/heatmaps.png",
    f"{WHITENING_OUT}/figures/k_curves.png",
    f"{WHITENING_OUT}/figures/abc_table.png",
    f"{WHITENING_OUT}/metrics/throughput.json",
]

ARTICLE_REPORT_SECTIONS["whitening"] = [f"{WHITENING_OUT}/metrics/throughput.json"]

ARTICLE_BENCHMARKS["whitening"] = [
    *(benchmark("whitening", f"encode_{e}_{t}") for e, t in WHITENING_ENCODINGS),
    *(benchmark("whitening", f"evaluate_{e}_{p}_{t}") for e, p, t in WHITENING_ROWS),
    benchmark("whitening", "summary"),
    benchmark("whitening", "figures"),
    benchmark("whitening", "throughput"),
]


rule whitening:
    """Everything for BERT-whitening with β, γ: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["whitening"],
        f"{WHITENING_OUT}/verdicts.csv",
        f"{WHITENING_OUT}/REPORT.md",


# the STS mirror is a folder of the submitting host, which cluster nodes may not see
localrules:
    whitening_sts,


rule whitening_sts:
    """Every STS set of the tier, read once (the mirror folder, else the hub when the network is allowed)
    into one table per set: the one job that says which sets are missing and how to provide them. Where
    the sets come from is not a parameter: pointing to another copy of the same data reruns nothing."""
    output:
        [f"{W}/whitening/sts/{t}.parquet" for t in WHITENING_TASKS],
    log:
        f"{W}/whitening/logs/sts.log",
    benchmark:
        benchmark("whitening", "sts")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        tasks=WHITENING_TASKS,
    script:
        "../../../scripts/whitening/sts.py"


rule whitening_random_bert:
    """A randomly initialised BERT with the uncased WordPiece tokenizer (MiniLM's vocabulary), saved
    locally: the smoke tier's stand-in for bert-base-uncased, semantically meaningless."""
    output:
        directory(f"{W}/whitening/models/{{encoder}}"),
    log:
        f"{W}/whitening/logs/random_bert_{{encoder}}.log",
    wildcard_constraints:
        encoder=WHITENING_ENCODER_NAMES,
    conda:
        "../../../envs/pipeline.yaml"
    params:
        settings=lambda wc: WHITENING["encoders"][wc.encoder]["random_bert"],
    script:
        "../../../scripts/whitening/random_bert.py"


rule whitening_encode:
    """Every target sentence of a task (all splits, both sides, duplicates kept), every pooling of the
    encoder in one pass; the pairs' gold scores, splits and subsets ride along in the cache."""
    input:
        unpack(lambda wc: whitening_model_input(wc.encoder)),
        pairs=f"{W}/whitening/sts/{{task}}.parquet",
    output:
        f"{W}/whitening/embeddings/{{encoder}}/{{task}}.npz",
    log:
        f"{W}/whitening/logs/encode_{{encoder}}_{{task}}.log",
    benchmark:
        benchmark("whitening", "encode_{encoder}_{task}")
    wildcard_constraints:
        encoder=WHITENING_ENCODER_NAMES,
        task=r"[a-z0-9-]+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: WHITENING["threads"]
    resources:
        # a `model` entry may be BERT-large (1.3 GB of float32 weights plus activations)
        mem_mb=lambda wc: 6000 if WHITENING["encoders"][wc.encoder].get("model") else 3000,
        runtime=lambda wc: 120 if WHITENING["encoders"][wc.encoder].get("model") else 20,
    params:
        spec=lambda wc: whitening_loader(wc.encoder),
        # only a hub model name needs it (the local encoders never download)
        network=lambda wc: config["network"] if "model" in whitening_loader(wc.encoder) else None,
        max_pairs=WHITENING["max_pairs"],
        batch_size=WHITENING["batch_size"],
        max_length=WHITENING["max_length"],
    script:
        "../../../scripts/whitening/encode.py"


rule whitening_evaluate:
    """Spearman × 100 of every (β, γ, k) cell on every split and subset (target statistics), the
    algebra checks of C1.1/C1.1b and, on the tuning task, the C1.7 grid."""
    input:
        cache=lambda wc: whitening_embeddings(wc.encoder, wc.task),
        # whitening.fit's other corpora: the caches of the tasks they are a split of (encoded once)
        corpora=lambda wc: [whitening_embeddings(wc.encoder, task) for _, task, _ in whitening_fit_corpora()],
    output:
        scores=f"{W}/whitening/scores/{{encoder}}/{{pooling}}/{{task}}.csv",
        checks=f"{W}/whitening/scores/{{encoder}}/{{pooling}}/{{task}}.json",
    log:
        f"{W}/whitening/logs/evaluate_{{encoder}}_{{pooling}}_{{task}}.log",
    benchmark:
        benchmark("whitening", "evaluate_{encoder}_{pooling}_{task}")
    wildcard_constraints:
        encoder=WHITENING_ENCODER_NAMES,
        pooling="cls|last-avg|first-last-avg|avg|use",
        task=r"[a-z0-9-]+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    params:
        betas=WHITENING["betas"],
        gammas=WHITENING["gammas"],
        ks=lambda wc: WHITENING["encoders"][wc.encoder]["ks"],
        tune=lambda wc: WHITENING["tune"] if wc.task == WHITENING["tune"]["task"] else None,
        fit=WHITENING["fit"],
        eig_floor=WHITENING["eig_floor"],
    script:
        "../../../scripts/whitening/evaluate.py"


rule whitening_summary:
    """The claim metrics C1.1–C1.8 (proxies labelled) and every grid cell, for the figures."""
    input:
        scores=[whitening_scores(e, p, t) for e, p, t in WHITENING_ROWS],
        checks=[whitening_checks(e, p, t) for e, p, t in WHITENING_ROWS],
        # 8321's Chinese table: trap T7's split convention is the one closest to it
        reference="config/articles/whitening/reference_8321.csv",
    output:
        summary=f"{WHITENING_OUT}/metrics/summary.json",
        grid=f"{WHITENING_OUT}/metrics/grid.json",
    log:
        f"{W}/whitening/logs/summary.log",
    benchmark:
        benchmark("whitening", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        rows=WHITENING_ROWS,
        encoders=WHITENING["encoders"],
        tune=WHITENING["tune"],
        c1_3=WHITENING["c1_3"],
    script:
        "../../../scripts/whitening/summary.py"


rule whitening_figures:
    """Tables and figures from the metrics only."""
    input:
        summary=f"{WHITENING_OUT}/metrics/summary.json",
        grid=f"{WHITENING_OUT}/metrics/grid.json",
    output:
        scores_table=f"{WHITENING_OUT}/tables/scores.csv",
        abc_csv=f"{WHITENING_OUT}/tables/abc.csv",
        tuning_table=f"{WHITENING_OUT}/tables/tuning.csv",
        heatmaps=figure(f"{WHITENING_OUT}/figures/heatmaps.png", "heatmaps.rst", "whitening"),
        k_curves=figure(f"{WHITENING_OUT}/figures/k_curves.png", "k_curves.rst", "whitening"),
        abc_table=figure(f"{WHITENING_OUT}/figures/abc_table.png", "abc_table.rst", "whitening"),
    log:
        f"{W}/whitening/logs/figures.log",
    benchmark:
        benchmark("whitening", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/whitening/figures.py"


rule whitening_throughput:
    """Encoding throughput (informational): bench/encode_throughput.py on the STS-B test sentences,
    ours vs a plain transformers forward pass of the same model and batch, and the grid's time."""
    input:
        script="bench/encode_throughput.py",
        pairs=f"{W}/whitening/sts/stsb.parquet",
    output:
        f"{WHITENING_OUT}/metrics/throughput.json",
    log:
        f"{W}/whitening/logs/throughput.log",
    benchmark:
        benchmark("whitening", "throughput")
    conda:
        "../../../envs/pipeline.yaml"
    threads: WHITENING["throughput"]["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        settings=WHITENING["throughput"],
        batch_size=WHITENING["batch_size"],
        max_length=WHITENING["max_length"],
    script:
        "../../../scripts/whitening/throughput.py"
