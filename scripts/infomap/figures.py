"""Tables and figures of InfoMap, from its metrics files only."""

import pandas as pd

from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
coding, maps, communities, speed, words = (
    read_json(inp[k]) for k in ("coding", "map_equation", "communities", "speed", "word_clusters")
)

# --- coding_bounds ---
rows = pd.DataFrame(coding["rows"])
job.table(out.coding_table, rows, [inp.coding])
fig, (left, right) = panels(2)
left.scatter(rows["entropy"], rows["huffman_length"] - rows["entropy"], s=6, label="Huffman code")
left.axhline(0, color="k", lw=0.8, label="L = H (lower bound)")
left.axhline(1, color="C3", ls="--", label="L = H + 1 (upper bound)")
left.set(xlabel="entropy H(P) (bits)", ylabel="L_Huffman − H(P) (bits)", title="Huffman within one bit")
left.legend(fontsize=7)
right.hist(rows["kraft"], bins=30, label="Σ 2^(−l_i)")
right.axvline(1, color="C3", ls="--", label="Kraft bound 1")
right.set(xlabel="Kraft sum", ylabel="distributions", title="Kraft's inequality")
right.legend(fontsize=7)
job.figure(out.coding, fig, [inp.coding])

# --- map_equation ---
rows = pd.DataFrame(maps["rows"])
job.table(out.map_equation_table, rows, [inp.map_equation])
fig, axes = panels(1, width=5.5)
ax = axes[0]
for i, (key, label) in enumerate(
    [("L_one_module", "one module"), ("L_true", "true partition"), ("L_random", "random 4-way")]
):
    ax.plot(rows["seed"], rows[key], "o-", color=f"C{i}", label=f"{label} (ours)")
ax.plot(rows["seed"], rows["entropy_p"], "k:", label="H(p)")
ax.plot(rows["seed"], rows["package_L_true"], "x", color="C1", ms=10, label="true partition (infomap package)")
ax.plot(rows["seed"], rows["package_L_random"], "x", color="C2", ms=10, label="random 4-way (infomap package)")
ax.set(xlabel="graph seed", ylabel="description length L (bits per step)", title="Map equation, planted partition")
ax.legend(fontsize=7)
job.figure(out.map_equation, fig, [inp.map_equation])

# --- no_k_needed ---
rows = pd.DataFrame(communities["rows"])
job.table(out.communities_table, rows, [inp.communities])
fig, (left, right) = panels(2)
for i, (method, g) in enumerate(rows.groupby("method")):
    label = "own greedy search" if method == "own" else "infomap package"
    mean = g.groupby("mu").mean(numeric_only=True)
    left.scatter(g["mu"], g["nmi"], color=f"C{i}", s=12)
    left.plot(mean.index, mean["nmi"], "-", color=f"C{i}", label=f"{label} (dots: seeds)")
    ratio = g["found_modules"] / g["true_modules"]
    right.scatter(g["mu"], ratio, color=f"C{i}", s=12)
    right.plot(mean.index, (g.assign(r=ratio).groupby("mu")["r"].mean()), "-", color=f"C{i}", label=label)
left.axhline(0.9, color="k", ls="--", lw=1, label="rule: NMI > 0.9 (μ ≤ 0.3)")
left.set(xlabel="mixing μ", ylabel="NMI with planted communities", title="LFR: recovery", ylim=(0, 1.05))
right.axhspan(0.8, 1.2, color="0.9", label="rule: within ±20%")
right.set(xlabel="mixing μ", ylabel="found / true module count", title="LFR: number of modules", yscale="log")
for ax in (left, right):
    ax.legend(fontsize=7)
job.figure(out.communities, fig, [inp.communities])

# --- speed ---
table = pd.DataFrame({"run": range(1, len(speed["seconds"]) + 1), "seconds": speed["seconds"]}).assign(
    nodes=speed["nodes"], edges=speed["edges"], threads=speed["threads"]
)
job.table(out.speed_table, table, [inp.speed])
fig, axes = panels(1, width=5)
axes[0].bar(table["run"].astype(str), table["seconds"], label=f"{speed['nodes']} nodes, {speed['edges']} edges")
axes[0].axhline(5, color="C3", ls="--", label="claim: < 5 s")
axes[0].set(xlabel="run", ylabel="wall time (s)", title=f"infomap package, {speed['threads']} threads")
axes[0].legend(fontsize=7)
job.figure(out.speed, fig, [inp.speed])

# --- word clusters (report only) ---
clusters = pd.DataFrame(
    [{"rank": i + 1, "size": c["size"], "words": " ".join(c["words"])} for i, c in enumerate(words["clusters"])]
)
job.table(out.word_clusters_table, clusters, [inp.word_clusters])
