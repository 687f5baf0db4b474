# Globally shuffling a file larger than memory (kexue.fm 8662): brief shared/articles/shuffle_8662.md
#   exact       every outcome for tiny sizes; the count argument; the proportional variant exactly
#                                           (shuffle.near_uniform (a), .not_all_orders, .count_argument, .proportional_fix)
#   simulate    vectorised simulations      (shuffle.near_uniform (b), .proportional_fix, .short_last_file)
#   memory      peak RSS of the file shuffle in its own process          (shuffle.memory_bounded)
#   throughput  against GNU shuf, one benchmark job (report only; shuffle.timing's 280 GB stays untested)
SHUF = config["shuffle"]
SHUF_OUT = f"{R}/shuffle"

ARTICLE_OUTPUTS["shuffle"] = [
    f"{SHUF_OUT}/tables/exact.csv",
    f"{SHUF_OUT}/tables/simulate.csv",
    f"{SHUF_OUT}/tables/memory.csv",
    f"{SHUF_OUT}/figures/orders.png",
    f"{SHUF_OUT}/figures/uniformity.png",
    f"{SHUF_OUT}/figures/short_last.png",
    f"{SHUF_OUT}/figures/memory.png",
]

ARTICLE_BENCHMARKS["shuffle"] = [
    benchmark("shuffle", name) for name in ["exact", "simulate", "memory", "throughput", "figures"]
]

ARTICLE_REPORT_SECTIONS["shuffle"] = [f"{SHUF_OUT}/metrics/throughput.json"]


rule shuffle:
    """Everything for the shuffle article: tables, figures, verdicts."""
    input:
        ARTICLE_OUTPUTS["shuffle"],
        f"{SHUF_OUT}/verdicts.csv",
        f"{SHUF_OUT}/REPORT.md",


rule shuffle_exact:
    """Exhaustive enumeration for tiny sizes, the count argument, the proportional variant exactly."""
    output:
        f"{SHUF_OUT}/metrics/exact.json",
    log:
        f"{W}/shuffle/logs/exact.log",
    benchmark:
        benchmark("shuffle", "exact")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        settings=SHUF["exact"],
    script:
        "../../../scripts/shuffle/exact.py"


rule shuffle_simulate:
    """Simulations vectorised over runs; carries the exact halves of two claims into its metrics."""
    input:
        exact=f"{SHUF_OUT}/metrics/exact.json",
    output:
        f"{SHUF_OUT}/metrics/simulate.json",
    log:
        f"{W}/shuffle/logs/simulate.log",
    benchmark:
        benchmark("shuffle", "simulate")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=3000,
        runtime=20,
    params:
        settings=SHUF["simulate"],
    script:
        "../../../scripts/shuffle/simulate.py"


rule shuffle_memory:
    """Peak RSS of the file-based shuffle, each run in its own process."""
    output:
        f"{SHUF_OUT}/metrics/memory.json",
    log:
        f"{W}/shuffle/logs/memory.log",
    benchmark:
        benchmark("shuffle", "memory")
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=20,
        disk_mb=1000,
    params:
        settings=SHUF["memory"],
    script:
        "../../../scripts/shuffle/memory.py"


rule shuffle_throughput:
    """Benchmark: the two-pass shuffle against GNU shuf on one synthetic file, timed in one job."""
    output:
        f"{SHUF_OUT}/metrics/throughput.json",
    log:
        f"{W}/shuffle/logs/throughput.log",
    benchmark:
        benchmark("shuffle", "throughput")
    conda:
        "../../../envs/pipeline.yaml"
    # alone on the machine's cores: a concurrent job would distort the ratio
    threads: workflow.cores
    resources:
        mem_mb=2000,
        runtime=30,
        disk_mb=lambda wc: 1000 + 3 * SHUF["throughput"]["lines"] * (SHUF["throughput"]["width"] + 1) // 2**20,
    params:
        settings=SHUF["throughput"],
    script:
        "../../../scripts/shuffle/throughput.py"


rule shuffle_figures:
    """Tables and figures from the metrics only."""
    input:
        exact=f"{SHUF_OUT}/metrics/exact.json",
        simulate=f"{SHUF_OUT}/metrics/simulate.json",
        memory=f"{SHUF_OUT}/metrics/memory.json",
        throughput=f"{SHUF_OUT}/metrics/throughput.json",
    output:
        exact_table=f"{SHUF_OUT}/tables/exact.csv",
        simulate_table=f"{SHUF_OUT}/tables/simulate.csv",
        memory_table=f"{SHUF_OUT}/tables/memory.csv",
        orders=figure(f"{SHUF_OUT}/figures/orders.png", "orders.rst", "shuffle"),
        uniformity=figure(f"{SHUF_OUT}/figures/uniformity.png", "uniformity.rst", "shuffle"),
        short_last=figure(f"{SHUF_OUT}/figures/short_last.png", "short_last.rst", "shuffle"),
        memory=figure(f"{SHUF_OUT}/figures/memory.png", "memory.rst", "shuffle"),
    log:
        f"{W}/shuffle/logs/figures.log",
    benchmark:
        benchmark("shuffle", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/shuffle/figures.py"
