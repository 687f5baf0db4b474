# The minimum-entropy principle (5): InfoMap (kexue.fm 7006): brief shared/articles/infomap_7006.md
#   coding        Huffman lengths against Kraft and the entropy bounds           (coding_bounds)
#   map_equation  the article's map equation on planted partitions, vs the package (map_equation)
#   communities   own greedy search and the package on LFR graphs: NMI, counts    (no_k_needed)
#   speed         the package on ≈ 10k nodes / 100k edges                         (speed)
#   word_clusters GloVe k-NN graph, largest clusters (report only)                (word_clusters)
IM = config["infomap"]
IM_OUT = f"{R}/infomap"

ARTICLE_OUTPUTS["infomap"] = [
    f"{IM_OUT}/tables/coding.csv",
    f"{IM_OUT}/tables/map_equation.csv",
    f"{IM_OUT}/tables/communities.csv",
    f"{IM_OUT}/tables/speed.csv",
    f"{IM_OUT}/tables/word_clusters.csv",
    f"{IM_OUT}/figures/coding.png",
    f"{IM_OUT}/figures/map_equation.png",
    f"{IM_OUT}/figures/communities.png",
    f"{IM_OUT}/figures/speed.png",
]

ARTICLE_BENCHMARKS["infomap"] = [
    benchmark("infomap", name)
    for name in ["coding", "map_equation", "communities", "speed", "word_clusters", "figures"]
]

ARTICLE_REPORT_SECTIONS["infomap"] = [f"{IM_OUT}/metrics/word_clusters.json"]


rule infomap:
    """Everything for InfoMap: tables, figures, verdicts and its report page."""
    input:
        ARTICLE_OUTPUTS["infomap"],
        f"{IM_OUT}/verdicts.csv",
        f"{IM_OUT}/REPORT.md",


rule infomap_simulation:
    """The two cheap computations, one job each: coding bounds, the map equation on planted partitions."""
    output:
        f"{IM_OUT}/metrics/{{part}}.json",
    log:
        f"{W}/infomap/logs/{{part}}.log",
    benchmark:
        benchmark("infomap", "{part}")
    wildcard_constraints:
        part="coding|map_equation",
    conda:
        "../../../envs/pipeline.yaml"
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        settings=lambda wc: IM["coding" if wc.part == "coding" else "planted"],
        tau=IM["tau"],
    script:
        "../../../scripts/infomap/{wildcards.part}.py"


rule infomap_communities:
    output:
        f"{IM_OUT}/metrics/communities.json",
    log:
        f"{W}/infomap/logs/communities.log",
    benchmark:
        benchmark("infomap", "communities")
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=1500,
        runtime=30,
    params:
        settings=IM["lfr"],
        tau=IM["tau"],
    script:
        "../../../scripts/infomap/communities.py"


rule infomap_speed:
    output:
        f"{IM_OUT}/metrics/speed.json",
    log:
        f"{W}/infomap/logs/speed.log",
    benchmark:
        benchmark("infomap", "speed")
    conda:
        "../../../envs/pipeline.yaml"
    threads: IM["speed"]["threads"]
    resources:
        mem_mb=3000,
        runtime=15,
    params:
        settings={k: v for k, v in IM["speed"].items() if k != "threads"},
    script:
        "../../../scripts/infomap/speed.py"


rule infomap_word_clusters:
    output:
        f"{IM_OUT}/metrics/word_clusters.json",
    log:
        f"{W}/infomap/logs/word_clusters.log",
    benchmark:
        benchmark("infomap", "word_clusters")
    conda:
        "../../../envs/pipeline.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=10,
    params:
        settings=IM["words"],
    script:
        "../../../scripts/infomap/word_clusters.py"


rule infomap_figures:
    """Tables and figures from the metrics only."""
    input:
        coding=f"{IM_OUT}/metrics/coding.json",
        map_equation=f"{IM_OUT}/metrics/map_equation.json",
        communities=f"{IM_OUT}/metrics/communities.json",
        speed=f"{IM_OUT}/metrics/speed.json",
        word_clusters=f"{IM_OUT}/metrics/word_clusters.json",
    output:
        coding_table=f"{IM_OUT}/tables/coding.csv",
        map_equation_table=f"{IM_OUT}/tables/map_equation.csv",
        communities_table=f"{IM_OUT}/tables/communities.csv",
        speed_table=f"{IM_OUT}/tables/speed.csv",
        word_clusters_table=f"{IM_OUT}/tables/word_clusters.csv",
        coding=figure(f"{IM_OUT}/figures/coding.png", "coding.rst", "infomap"),
        map_equation=figure(f"{IM_OUT}/figures/map_equation.png", "map_equation.rst", "infomap"),
        communities=figure(f"{IM_OUT}/figures/communities.png", "communities.rst", "infomap"),
        speed=figure(f"{IM_OUT}/figures/speed.png", "speed.rst", "infomap"),
    log:
        f"{W}/infomap/logs/figures.log",
    benchmark:
        benchmark("infomap", "figures")
    conda:
        "../../../envs/pipeline.yaml"
    script:
        "../../../scripts/infomap/figures.py"
