# A simple scheme to ease cross-entropy over-confidence (kexue.fm 9526): brief shared/articles/tvd_loss_9526.md
#   identities  L_γ's limits, gradient and stop-gradient form, float64             (limits, gradient, stopgrad_form)
#   data        Fashion-MNIST subsample with symmetric label noise per rate, once
#   run         one job per noise rate, every seed and γ on kexue.classify's loop
#   summary     accuracy, ECE, max-probability, memorisation; γ selected on noisy validation  (less_overconfident, tuning_wins)
TVD = config["tvd_loss"]
TVD_OUT = f"{R}/tvd_loss"
TVD_NOISE = TVD["noise"]
TVD_RATES = [num(r) for r in TVD_NOISE["rates"]]
TVD_RUNS = expand(f"{W}/tvd_loss/runs/noise{{rate}}/metrics.json", rate=TVD_RATES)

ARTICLE_OUTPUTS["tvd_loss"] = [
    f"{TVD_OUT}/tables/identities.csv",
    f"{TVD_OUT}/tables/noise.csv",
    f"{TVD_OUT}/figures/identities.png",
    f"{TVD_OUT}/figures/noise.png",
]

ARTICLE_BENCHMARKS["tvd_loss"] = [benchmark("tvd_loss", name) for name in ["identities", "summary", "figures"]] + [
    benchmark("tvd_loss", f"{step}_noise{rate}") for step in ("data", "run") for rate in TVD_RATES
]


rule tvd_loss:
    """Everything for the γ-loss article: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["tvd_loss"],
        f"{TVD_OUT}/verdicts.csv",
        f"{TVD_OUT}/REPORT.md",


rule tvd_loss_identities:
    """Limits, gradient and stop-gradient identities in float64 (seconds)."""
    output:
        f"{TVD_OUT}/metrics/identities.json",
    log:
        f"{W}/tvd_loss/logs/identities.log",
    benchmark:
        benchmark("tvd_loss", "identities")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        settings=TVD["identities"],
    script:
        "../../../scripts/tvd_loss/identities.py"


rule tvd_loss_data:
    """Training and validation subsample with symmetric noise at one rate, and the clean test set."""
    input:
        resource("fashion_mnist"),
    output:
        f"{W}/tvd_loss/data/noise{{rate}}.pt",
    log:
        f"{W}/tvd_loss/logs/data_noise{{rate}}.log",
    benchmark:
        benchmark("tvd_loss", "data_noise{rate}")
    wildcard_constraints:
        rate=r"[0-9.]+",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        sizes={k: TVD_NOISE[k] for k in ("train_size", "valid_size", "data_seed")},
    script:
        "../../../scripts/tvd_loss/data.py"


rule tvd_loss_run:
    """One noise rate: every seed and every γ of the grid (one job per rate: its start-up is paid once for its
    seeds), history.csv and metrics."""
    input:
        data=f"{W}/tvd_loss/data/noise{{rate}}.pt",
    output:
        metrics=f"{W}/tvd_loss/runs/noise{{rate}}/metrics.json",
        history=f"{W}/tvd_loss/runs/noise{{rate}}/history.csv",
    log:
        f"{W}/tvd_loss/logs/runs/noise{{rate}}.log",
    benchmark:
        benchmark("tvd_loss", "run_noise{rate}")
    wildcard_constraints:
        rate=r"[0-9.]+",
    conda:
        "../../../envs/pipeline.yaml"
    threads: TVD_NOISE["threads"]
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        seeds=TVD_NOISE["seeds"],
        gammas=TVD_NOISE["gammas"],
        hidden=TVD_NOISE["hidden"],
        ece_bins=TVD_NOISE["ece_bins"],
        training={k: TVD_NOISE[k] for k in ("epochs", "batch_size", "lr")},
    script:
        "../../../scripts/tvd_loss/run.py"


rule tvd_loss_summary:
    """Seed means per (rate, γ), the comparison at γ = compare, the validation-selected γ per rate."""
    input:
        TVD_RUNS,
    output:
        metrics=f"{TVD_OUT}/metrics/noise.json",
    log:
        f"{W}/tvd_loss/logs/summary.log",
    benchmark:
        benchmark("tvd_loss", "summary")
    conda:
        "../../../envs/pipeline.yaml"
    params:
        compare=TVD_NOISE["compare"],
    script:
        "../../../scripts/tvd_loss/summary.py"


rule tvd_loss_figures:
    """Tables and figures from the metrics only."""
    input:
        identities=f"{TVD_OUT}/metrics/identities.json",
        noise=f"{TVD_OUT}/metrics/noise.json",
    output:
        identities_table=f"{TVD_OUT}/tables/identities.csv",
        noise_table=f"{TVD_OUT}/tables/noise.csv",
        identities=figure(f"{TVD_OUT}/figures/identities.png", "identities.rst", "tvd_loss"),
        noise=figure(f"{TVD_OUT}/figures/noise.png", "noise.rst", "tvd_loss"),
    log:
        f"{W}/tvd_loss/logs/figures.log",
    benchmark:
        benchmark("tvd_loss", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/tvd_loss/figures.py"
