# EAE: autoencoder + BN + maximum entropy (kexue.fm 7343): brief shared/articles/eae_knn_entropy_7343.md
#   exact     the k-NN entropy estimator against closed forms, the beta integral, the digamma identities
#   train     one job per seed: the EAE per λ, the shared loop (kexue/autoencoder.py); the plain AE and the VAE
#             are vae_geometry's (rule vae_geometry_train_ae_vae at d = latent), trained once for both articles
#   summary   codes vs N(0, I), prior samples scored by vae_geometry's scoring classifier, reconstruction
#   figures   from the metrics and saved samples only
EAE = config["eae_knn_entropy"]
EAE_OUT = f"{R}/eae_knn_entropy"
# the scoring classifier is the one of vae_geometry_7725 ("as in vae_geometry", the brief): trained once
EAE_CLASSIFIER = f"{W}/vae_geometry/classifier.pt"
EAE_CLASSIFIER_METRICS = f"{R}/vae_geometry/metrics/classifier.json"
# the plain AE and the VAE are vae_geometry's too (rule vae_geometry_train_ae_vae, read at this article's latent
# size and seeds): the same loop, images and settings, so they are trained once; this article's EAEs are trained
# with the same settings (config vae_geometry: data, model, train), so every model it compares shares them
EAE_VG = config["vae_geometry"]
if EAE_VG["train"]["batch_size"] <= EAE["k"]:
    raise WorkflowError(
        f"config vae_geometry.train.batch_size = {EAE_VG['train']['batch_size']} is the n of eae_knn_entropy's "
        f"in-batch entropy estimate and must exceed its k = {EAE['k']}"
    )
EAE_BASELINES = [f"{W}/vae_geometry/runs/ae_vae_d{EAE['latent']}_s{seed}" for seed in range(EAE["seeds"])]

ARTICLE_OUTPUTS["eae_knn_entropy"] = [
    f"{EAE_OUT}/tables/estimator.csv",
    f"{EAE_OUT}/tables/runs.csv",
    f"{EAE_OUT}/figures/estimator.png",
    f"{EAE_OUT}/figures/eae.png",
    f"{EAE_OUT}/figures/samples.png",
]

# vae_geometry's jobs this article reads are listed too, so that its page's cost is the whole cost of its results
# (the index sums each page, so those jobs count in both)
ARTICLE_BENCHMARKS["eae_knn_entropy"] = [
    *(benchmark("eae_knn_entropy", name) for name in ["exact", "summary", "figures"]),
    *(benchmark("eae_knn_entropy", f"train_s{seed}") for seed in range(EAE["seeds"])),
    benchmark("vae_geometry", "classifier"),
    *(benchmark("vae_geometry", f"train_ae_vae_d{EAE['latent']}_s{seed}") for seed in range(EAE["seeds"])),
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
    """One seed: the EAE at every λ, from the same initial weights and settings as vae_geometry's AE and VAE."""
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
        data={k: EAE_VG["data"][k] for k in ("train", "valid")},
        model=EAE_VG["model"],
        latent=EAE["latent"],
        train=EAE_VG["train"],
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
        baselines=[f"{b}/models.pt" for b in EAE_BASELINES],
        baseline_histories=[f"{b}/history.csv" for b in EAE_BASELINES],
        baseline_runs=[f"{b}/metrics.json" for b in EAE_BASELINES],
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
        data={"test": EAE_VG["data"]["test"], "train": EAE_VG["data"]["train"]},
        model=EAE_VG["model"],
        latent=EAE["latent"],
        epochs=EAE_VG["train"]["epochs"],
        weights=EAE["weights"],
        trend_weights=EAE["trend_weights"],
        k=EAE["k"],
        samples=EAE["samples"],
        grid=EAE["grid"],
        classifier={k: EAE_VG["classifier"][k] for k in ("channels", "features")},
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
