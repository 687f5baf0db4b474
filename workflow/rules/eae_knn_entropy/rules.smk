# EAE: autoencoder + BN + maximum entropy (kexue.fm 7343): brief shared/articles/eae_knn_entropy_7343.md
#   exact     the k-NN entropy estimator against closed forms, the beta integral, the digamma identities
#   train     one job per seed: plain AE, VAE and the EAE per λ, the shared loop (kexue/autoencoder.py)
#   summary   codes vs N(0, I), prior samples scored by vae_geometry's scoring classifier, reconstruction
#   figures   from the metrics and saved samples only
EAE = config["eae_knn_entropy"]
EAE_OUT = f"{R}/eae_knn_entropy"
# the scoring classifier is the one of vae_geometry_7725 ("as in vae_geometry", the brief): trained once
EAE_CLASSIFIER = f"{W}/vae_geometry/classifier.pt"
EAE_CLASSIFIER_METRICS = f"{R}/vae_geometry/metrics/classifier.json"

ARTICLE_OUTPUTS["eae_knn_entropy"] = [
    f"{EAE_OUT}/tables/estimator.csv",
    f"{EAE_OUT}/tables/runs.csv",
    f"{EAE_OUT}/figures/estimator.png",
    f"{EAE_OUT}/figures/eae.png",
    f"{EAE_OUT}/figures/samples.png",
]

ARTICLE_BENCHMARKS["eae_knn_entropy"] = [
    *(benchmark("eae_knn_entropy", name) for name in ["exact", "summary", "figures"]),
    *(benchmark("eae_knn_entropy", f"train_s{seed}") for seed in range(EAE["seeds"])),
]


rule eae_knn_entropy:
    """Everything for the EAE article: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["eae_knn_entropy"],
        f"{EAE_OUT}/verdicts.csv",
        f"{EAE_OUT}/REPORT.md",


rule eae_knn_entropy_exact:
    """The estimator on Gaussian and uniform samples; the beta integral and digamma identities."""
    output:
        estimator=f"{EAE_OUT}/metrics/estimator.json",
        identities=f"{EAE_OUT}/metrics/identities.json",
    log:
        f"{W}/eae_knn_entropy/logs/exact.log",
    benchmark:
        benchmark("eae_knn_entropy", "exact")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        estimator=EAE["estimator"],
        identities=EAE["identities"],
    script:
        "../../../scripts/eae_knn_entropy/exact.py"


rule eae_knn_entropy_train:
    """One seed: AE, VAE and the EAE at every λ, from the same initial weights."""
    input:
        resource("mnist"),
    output:
        models=f"{W}/eae_knn_entropy/runs/s{{seed}}/models.pt",
        history=f"{W}/eae_knn_entropy/runs/s{{seed}}/history.csv",
        metrics=f"{W}/eae_knn_entropy/runs/s{{seed}}/metrics.json",
    log:
        f"{W}/eae_knn_entropy/logs/train_s{{seed}}.log",
    benchmark:
        benchmark("eae_knn_entropy", "train_s{seed}")
    wildcard_constraints:
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: EAE["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        data={k: EAE["data"][k] for k in ("train", "valid")},
        model=EAE["model"],
        latent=EAE["latent"],
        train=EAE["train"],
        weights=EAE["weights"],
        k=EAE["k"],
    script:
        "../../../scripts/eae_knn_entropy/train.py"


rule eae_knn_entropy_summary:
    """Every model scored on the test images; the numbers of the three training claims."""
    input:
        mnist=resource("mnist"),
        classifier=EAE_CLASSIFIER,
        classifier_metrics=EAE_CLASSIFIER_METRICS,
        models=expand(f"{W}/eae_knn_entropy/runs/s{{seed}}/models.pt", seed=range(EAE["seeds"])),
        histories=expand(f"{W}/eae_knn_entropy/runs/s{{seed}}/history.csv", seed=range(EAE["seeds"])),
        runs=expand(f"{W}/eae_knn_entropy/runs/s{{seed}}/metrics.json", seed=range(EAE["seeds"])),
    output:
        metrics=f"{EAE_OUT}/metrics/eae.json",
        runs_table=f"{EAE_OUT}/tables/runs.csv",
        usage=f"{EAE_OUT}/benchmarks/runs.tsv",
        figure_data=f"{W}/eae_knn_entropy/figure_data.pt",
    log:
        f"{W}/eae_knn_entropy/logs/summary.log",
    benchmark:
        benchmark("eae_knn_entropy", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    threads: EAE["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        data={"test": EAE["data"]["test"], "train": EAE["data"]["train"]},
        model=EAE["model"],
        latent=EAE["latent"],
        epochs=EAE["train"]["epochs"],
        weights=EAE["weights"],
        trend_weights=EAE["trend_weights"],
        k=EAE["k"],
        samples=EAE["samples"],
        grid=EAE["grid"],
        classifier={k: config["vae_geometry"]["classifier"][k] for k in ("channels", "features")},
    script:
        "../../../scripts/eae_knn_entropy/summary.py"


rule eae_knn_entropy_figures:
    """Tables and figures from the metrics and the saved samples only."""
    input:
        estimator=f"{EAE_OUT}/metrics/estimator.json",
        identities=f"{EAE_OUT}/metrics/identities.json",
        eae=f"{EAE_OUT}/metrics/eae.json",
        figure_data=f"{W}/eae_knn_entropy/figure_data.pt",
    output:
        estimator_table=f"{EAE_OUT}/tables/estimator.csv",
        estimator=figure(f"{EAE_OUT}/figures/estimator.png", "estimator.rst", "eae_knn_entropy"),
        eae=figure(f"{EAE_OUT}/figures/eae.png", "eae.rst", "eae_knn_entropy"),
        samples=figure(f"{EAE_OUT}/figures/samples.png", "samples.rst", "eae_knn_entropy"),
    log:
        f"{W}/eae_knn_entropy/logs/figures.log",
    benchmark:
        benchmark("eae_knn_entropy", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/eae_knn_entropy/figures.py"
