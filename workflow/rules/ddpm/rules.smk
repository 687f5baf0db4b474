# Diffusion models (2), (3) (kexue.fm 9152, 9164): brief shared/articles/ddpm_9152_9164.md
#   chains        10⁶ scalar chains per data law: forward marginal, posterior, exact variances
#   closed_forms  gathers them, with the sympy identities (ε-mean) and the schedule's ᾱ_T
#   train         ε-MLP on moons / digits per t-encoding and seed; both samplers from the same noise
#   unet          full tier: GroupNorm vs BatchNorm, fp16 summed vs mean loss, U-Net on MNIST
DD = config["ddpm"]
DD_OUT = f"{R}/ddpm"
DD_RUNS = [*ddpm_runs("moons"), *ddpm_runs("digits")]
DD_UNET = ddpm_unet_runs()


ARTICLE_OUTPUTS["ddpm"] = [
    f"{DD_OUT}/tables/chains.csv",
    f"{DD_OUT}/tables/runs.csv",
    f"{DD_OUT}/tables/unet.csv",
    f"{DD_OUT}/figures/closed_forms.png",
    f"{DD_OUT}/figures/quality.png",
    f"{DD_OUT}/figures/samples.png",
    f"{DD_OUT}/figures/unet.png",
]

ARTICLE_BENCHMARKS["ddpm"] = [
    *[benchmark("ddpm", n) for n in ["chains_point", "chains_normal", "closed_forms", "classifier_digits"]],
    *[benchmark("ddpm", f"train_{Path(p).stem}") for p in DD_RUNS],
    *[benchmark("ddpm", n) for n in ["summary", "unet_summary", "figures"]],
    *([benchmark("ddpm", "classifier_mnist")] if DD_UNET else []),
    *[benchmark("ddpm", f"unet_{Path(p).stem}") for p in DD_UNET],
]


rule ddpm:
    """Everything for DDPM: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["ddpm"],
        f"{DD_OUT}/verdicts.csv",
        f"{DD_OUT}/REPORT.md",


rule ddpm_chains:
    """10⁶ scalar chains of one data law (x_0 ≡ point, or x_0 ~ N(0, 1)) and their tests against the closed forms."""
    output:
        f"{W}/ddpm/chains/{{law}}.json",
    log:
        f"{W}/ddpm/logs/chains_{{law}}.log",
    benchmark:
        benchmark("ddpm", "chains_{law}")
    wildcard_constraints:
        law="point|normal",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=lambda wc: 500 + DD["chains"]["n"] * 8 * 16 // 2**20,
        runtime=10,
    params:
        schedule=DD["schedule"],
        chains=DD["chains"],
    script:
        "../../../scripts/ddpm/chains.py"


rule ddpm_closed_forms:
    """The chains' tests, the sympy identities and the schedule's ᾱ_T in one metrics file."""
    input:
        point=f"{W}/ddpm/chains/point.json",
        normal=f"{W}/ddpm/chains/normal.json",
    output:
        f"{DD_OUT}/metrics/closed_forms.json",
    log:
        f"{W}/ddpm/logs/closed_forms.log",
    benchmark:
        benchmark("ddpm", "closed_forms")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        schedule=DD["schedule"],
    script:
        "../../../scripts/ddpm/closed_forms.py"


rule ddpm_classifier:
    """The feature network of the Fréchet distance: digits (scikit-learn) or MNIST (full tier)."""
    input:
        unpack(ddpm_classifier_input),
    output:
        f"{W}/ddpm/classifier_{{dataset}}.pt",
    log:
        f"{W}/ddpm/logs/classifier_{{dataset}}.log",
    benchmark:
        benchmark("ddpm", "classifier_{dataset}")
    wildcard_constraints:
        dataset="digits|mnist",
    conda:
        "../../../envs/pipeline.yaml"
    threads: DD["training"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        classifier=lambda wc: DD["digits" if wc.dataset == "digits" else "unet"]["classifier"],
        heldout=DD["digits"]["heldout"],
        train_size=DD["unet"]["train_size"],
    script:
        "../../../scripts/ddpm/classifier.py"


rule ddpm_train:
    """One ε-MLP: data set × t-encoding × seed; trained, sampled with both variance choices, scored."""
    input:
        classifier=lambda wc: f"{W}/ddpm/classifier_digits.pt" if wc.dataset == "digits" else [],
    output:
        metrics=f"{W}/ddpm/runs/{{dataset}}_{{encoding}}_s{{seed}}.json",
        samples=f"{W}/ddpm/runs/{{dataset}}_{{encoding}}_s{{seed}}.npz",
    log:
        f"{W}/ddpm/logs/train_{{dataset}}_{{encoding}}_s{{seed}}.log",
    benchmark:
        benchmark("ddpm", "train_{dataset}_{encoding}_s{seed}")
    wildcard_constraints:
        dataset="moons|digits",
        encoding="sinusoidal|learned",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: DD["training"]["threads"]
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        schedule=DD["schedule"],
        training=DD["training"],
        data=lambda wc: {k: v for k, v in DD[wc.dataset].items() if k not in ("encodings", "seeds", "classifier")},
    script:
        "../../../scripts/ddpm/train.py"


rule ddpm_unet:
    """Full tier: one U-Net run on MNIST (normalisation × loss reduction × precision × seed)."""
    input:
        data=resource("mnist"),
        classifier=f"{W}/ddpm/classifier_mnist.pt",
    output:
        f"{W}/ddpm/unet/{{norm}}_{{reduction}}_{{precision}}_s{{seed}}.json",
    log:
        f"{W}/ddpm/logs/unet_{{norm}}_{{reduction}}_{{precision}}_s{{seed}}.log",
    benchmark:
        benchmark("ddpm", "unet_{norm}_{reduction}_{precision}_s{seed}")
    wildcard_constraints:
        norm="group|batch",
        reduction="sum|mean",
        precision="fp32|fp16",
        seed=r"\d+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: DD["training"]["threads"]
    resources:
        mem_mb=8000,
        runtime=600,
        gpu=1,
    params:
        schedule=DD["schedule"],
        unet={k: v for k, v in DD["unet"].items() if k not in ("enabled", "norms", "seeds", "reductions", "classifier")},
    script:
        "../../../scripts/ddpm/unet.py"


rule ddpm_summary:
    """Seed means, the variance-choice and t-encoding gaps, the curves the guards read."""
    input:
        moons=ddpm_runs("moons"),
        digits=ddpm_runs("digits"),
        samples=[
            f"{W}/ddpm/runs/{d}_{e}_s{DD[d]['seeds'][0]}.npz" for d in ("moons", "digits") for e in DD[d]["encodings"]
        ],
    output:
        f"{DD_OUT}/metrics/diffusion.json",
    log:
        f"{W}/ddpm/logs/summary.log",
    benchmark:
        benchmark("ddpm", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/ddpm/summary.py"


rule ddpm_unet_summary:
    """The U-Net runs gathered (full tier); on other tiers only the scale, so that the claims say "not evaluated"."""
    input:
        DD_UNET,
    output:
        f"{DD_OUT}/metrics/unet.json",
    log:
        f"{W}/ddpm/logs/unet_summary.log",
    benchmark:
        benchmark("ddpm", "unet_summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        enabled=DD["unet"]["enabled"],
    script:
        "../../../scripts/ddpm/unet_summary.py"


rule ddpm_figures:
    """Tables and figures from the metrics only."""
    input:
        closed_forms=f"{DD_OUT}/metrics/closed_forms.json",
        diffusion=f"{DD_OUT}/metrics/diffusion.json",
        unet=f"{DD_OUT}/metrics/unet.json",
    output:
        chains_table=f"{DD_OUT}/tables/chains.csv",
        runs_table=f"{DD_OUT}/tables/runs.csv",
        unet_table=f"{DD_OUT}/tables/unet.csv",
        closed_forms=figure(f"{DD_OUT}/figures/closed_forms.png", "closed_forms.rst", "ddpm"),
        quality=figure(f"{DD_OUT}/figures/quality.png", "quality.rst", "ddpm"),
        samples=figure(f"{DD_OUT}/figures/samples.png", "samples.rst", "ddpm"),
        unet=figure(f"{DD_OUT}/figures/unet.png", "unet.rst", "ddpm"),
    log:
        f"{W}/ddpm/logs/figures.log",
    benchmark:
        benchmark("ddpm", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/ddpm/figures.py"
