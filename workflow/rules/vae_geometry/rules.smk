# A geometric view of the VAE (kexue.fm 7725): brief shared/articles/vae_geometry_7725.md
#   classifier  the scoring CNN (kexue/classify.py's loop), used only to score samples
#   train       per (latent d, seed) two jobs, the shared loop (kexue/autoencoder.py): AE and VAE (train_ae_vae;
#               eae_knn_entropy reads them too, so they are trained once) and the geo-VAE per λ (train_geo)
#   summary     every model scored: aggregate-code KL to N(0, I), prior-sample Fréchet distance, λ matched
#   figures     codes, prior samples, λ, traversals (from the metrics and saved pictures only)
VG = config["vae_geometry"]
VG_OUT = f"{R}/vae_geometry"

ARTICLE_OUTPUTS["vae_geometry"] = [
    f"{VG_OUT}/tables/runs.csv",
    f"{VG_OUT}/tables/classifier_history.csv",
    f"{VG_OUT}/figures/code_space.png",
    f"{VG_OUT}/figures/samples.png",
    f"{VG_OUT}/figures/geo.png",
    f"{VG_OUT}/figures/disentangle.png",
]

ARTICLE_BENCHMARKS["vae_geometry"] = [
    *(benchmark("vae_geometry", name) for name in ["classifier", "summary", "figures"]),
    *(
        benchmark("vae_geometry", f"train_{part}_d{entry['dim']}_s{seed}")
        for entry in VG["latents"]
        for seed in range(entry["seeds"])
        for part in ("ae_vae", "geo")
    ),
]


rule vae_geometry:
    """Everything for the geometric VAE: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["vae_geometry"],
        f"{VG_OUT}/verdicts.csv",
        f"{VG_OUT}/REPORT.md",


rule vae_geometry_classifier:
    """The scoring CNN, trained once."""
    input:
        resource("mnist"),
    output:
        model=f"{W}/vae_geometry/classifier.pt",
        history=f"{VG_OUT}/tables/classifier_history.csv",
        metrics=f"{VG_OUT}/metrics/classifier.json",
    log:
        f"{W}/vae_geometry/logs/classifier.log",
    benchmark:
        benchmark("vae_geometry", "classifier")
    conda:
        "../../../envs/pipeline.yaml"
    threads: VG["threads"]
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        settings=VG["classifier"],
    script:
        "../../../scripts/vae_geometry/classifier.py"


rule vae_geometry_train_ae_vae:
    """One latent size and seed: the plain AE and the VAE. eae_knn_entropy reads these same models at its
    latent size (its rules.smk: EAE_BASELINES), so they are trained once for both articles."""
    input:
        resource("mnist"),
    output:
        models=f"{W}/vae_geometry/runs/ae_vae_d{{latent}}_s{{seed}}/models.pt",
        history=f"{W}/vae_geometry/runs/ae_vae_d{{latent}}_s{{seed}}/history.csv",
        metrics=f"{W}/vae_geometry/runs/ae_vae_d{{latent}}_s{{seed}}/metrics.json",
    log:
        f"{W}/vae_geometry/logs/train_ae_vae_d{{latent}}_s{{seed}}.log",
    benchmark:
        benchmark("vae_geometry", "train_ae_vae_d{latent}_s{seed}")
    wildcard_constraints:
        latent=r"\d+",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: VG["threads"]
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        part="ae_vae",
        data={k: VG["data"][k] for k in ("train", "valid")},
        model=VG["model"],
        train=VG["train"],
    script:
        "../../../scripts/vae_geometry/train.py"


rule vae_geometry_train_geo:
    """One latent size and seed: the geo-VAE at every λ, from the same initial weights as the AE and VAE."""
    input:
        resource("mnist"),
    output:
        models=f"{W}/vae_geometry/runs/geo_d{{latent}}_s{{seed}}/models.pt",
        history=f"{W}/vae_geometry/runs/geo_d{{latent}}_s{{seed}}/history.csv",
        metrics=f"{W}/vae_geometry/runs/geo_d{{latent}}_s{{seed}}/metrics.json",
    log:
        f"{W}/vae_geometry/logs/train_geo_d{{latent}}_s{{seed}}.log",
    benchmark:
        benchmark("vae_geometry", "train_geo_d{latent}_s{seed}")
    wildcard_constraints:
        latent=r"\d+",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: VG["threads"]
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        part="geo",
        data={k: VG["data"][k] for k in ("train", "valid")},
        model=VG["model"],
        train=VG["train"],
        geo_weights=VG["geo_weights"],
    script:
        "../../../scripts/vae_geometry/train.py"


rule vae_geometry_summary:
    """Every model scored on the test images; the claims' numbers per latent size."""
    input:
        mnist=resource("mnist"),
        classifier=f"{W}/vae_geometry/classifier.pt",
        classifier_metrics=f"{VG_OUT}/metrics/classifier.json",
        models=vae_geometry_runs("models.pt"),
        histories=vae_geometry_runs("history.csv"),
        runs=vae_geometry_runs("metrics.json"),
    output:
        metrics=f"{VG_OUT}/metrics/geometry.json",
        runs_table=f"{VG_OUT}/tables/runs.csv",
        usage=f"{VG_OUT}/benchmarks/runs.tsv",
        figure_data=f"{W}/vae_geometry/figure_data.pt",
    log:
        f"{W}/vae_geometry/logs/summary.log",
    benchmark:
        benchmark("vae_geometry", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    threads: VG["threads"]
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        data={k: VG["data"][k] for k in ("train", "test")},
        model=VG["model"],
        geo_weights=VG["geo_weights"],
        claim_latent=VG["claim_latent"],
        epochs=VG["train"]["epochs"],
        classifier={k: VG["classifier"][k] for k in ("channels", "features")},
        evaluation=VG["evaluation"],
        grid=VG["pictures"]["grid"],
        scatter=VG["pictures"]["scatter"],
        traversal=VG["pictures"]["traversal"],
    script:
        "../../../scripts/vae_geometry/summary.py"


rule vae_geometry_figures:
    """Figures from the metrics and the saved pictures only."""
    input:
        metrics=f"{VG_OUT}/metrics/geometry.json",
        figure_data=f"{W}/vae_geometry/figure_data.pt",
    output:
        code_space=figure(f"{VG_OUT}/figures/code_space.png", "code_space.rst", "vae_geometry"),
        samples=figure(f"{VG_OUT}/figures/samples.png", "samples.rst", "vae_geometry"),
        geo=figure(f"{VG_OUT}/figures/geo.png", "geo.rst", "vae_geometry"),
        disentangle=figure(f"{VG_OUT}/figures/disentangle.png", "disentangle.rst", "vae_geometry"),
    log:
        f"{W}/vae_geometry/logs/figures.log",
    benchmark:
        benchmark("vae_geometry", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/vae_geometry/figures.py"
