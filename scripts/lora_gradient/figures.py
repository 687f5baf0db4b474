"""Tables and figures of the LoRA-gradient article, from its metrics only."""

import numpy as np
import pandas as pd

from kexue import lora_gradient as lg
from kexue.jobs import Job, read_json
from kexue.plotting import panels

job = Job(snakemake)
inp, out = snakemake.input, snakemake.output
ident, cost = read_json(inp.identities), read_json(inp.cost)

# --- tables ---
rows = [{"claim": "grad_formulas", **c} for c in ident["grad_formulas"]["cells"]]
rows += [{"claim": "first_order_update", **c} for c in ident["first_order_update"]["cells"]]
rows += [{"claim": "random_projection", **c} for c in ident["random_projection"]["cells"]]
rows += [{"claim": "symmetric_init", **c} for c in ident["symmetric_init"]["cells"]]
rows += [{"claim": "additive_variant", **c} for c in ident["additive_variant"]["cells"]]
job.table(out.identities_table, pd.DataFrame(rows), [inp.identities])
job.table(
    out.cost_table, pd.DataFrame([{k: v for k, v in c.items() if k != "samples"} for c in cost["cells"]]), [inp.cost]
)

# --- identities ---
fig, axes = panels(4, width=3.9)
errors = {
    "∂L/∂A, ∂L/∂B\n(rel.)": (ident["grad_formulas"]["max_relative_error"], 1e-10),
    "projected\noptimiser": (ident["optimizer_projection"]["max_gap"], 1e-12),
    "update\nexpansion": (ident["first_order_update"]["max_expansion_error"], 1e-12),
    "symmetric\ninit": (ident["symmetric_init"]["max_output_gap"], 1e-12),
    "additive\ngradients (rel.)": (ident["additive_variant"]["max_grad_error"], 1e-10),
}
ax = axes[0]
x = np.arange(len(errors))
ax.bar(x, [max(v, 1e-18) for v, _ in errors.values()], color="C0", label="largest error (0 drawn at 1e-18)")
ax.plot(x, [t for _, t in errors.values()], "k_", ms=20, mew=2, label="decision rule")
ax.set_xticks(x, list(errors), fontsize=6)
ax.set(yscale="log", ylabel="max |difference|", title="Exact identities (float64)")
ax.legend(fontsize=6)

ax = axes[1]
cells = ident["first_order_update"]["cells"]
lrs = np.array([c["lr"] for c in cells])
rem = np.array([c["remainder"] for c in cells])
ax.loglog(lrs, rem, "o", label=f"‖ΔW − first order‖, slope {ident['first_order_update']['remainder_slope']:.4f}")
ax.loglog(lrs, rem[0] * (lrs / lrs[0]) ** 2, "k--", lw=1, label="slope 2")
ax.set(xlabel="learning rate η", ylabel="remainder (Frobenius norm)", title="Update: −η(GBᵀB + AAᵀG) + O(η²)")
ax.legend(fontsize=6)

ax = axes[2]
rp = pd.DataFrame(ident["random_projection"]["cells"])
x = np.arange(len(rp))
ax.bar(x - 0.2, rp["rel_error_vs_sgd_2eta"], 0.4, label="vs full SGD at 2η")
ax.bar(x + 0.2, rp["rel_error_vs_sgd_eta"], 0.4, label="vs full SGD at η (trap)")
ax.axhline(0.05, color="k", ls="--", lw=1, label="decision rule 0.05")
ax.set_xticks(x, [f"{a}×{b}" for a, b in zip(rp["n"], rp["m"], strict=True)])
ax.set(
    xlabel="G shape n×m",
    ylabel="relative distance of the mean update",
    title=f"Random projections, {rp['draws'][0]} draws",
)
ax.legend(fontsize=6)

ax = axes[3]
ad = pd.DataFrame(ident["additive_variant"]["cells"])
labels = [f"{a}×{b}, r={r}" for a, b, r in zip(ad["n"], ad["m"], ad["r"], strict=True)]
x = np.arange(len(ad))
ax.bar(x - 0.2, ad["rank"], 0.4, label="rank of additive ΔW")
ax.bar(x + 0.2, ad["lora_rank"], 0.4, label="rank of AB (LoRA)")
ax.plot(x, ad["rank_bound"], "k_", ms=12, mew=2, label="bound 2r")
ax.set_xticks(x, labels, rotation=60, fontsize=6)
ax.set(ylabel="numerical rank", title="Additive variant: rank up to 2r")
ax.legend(fontsize=6)
job.figure(out.identities, fig, [inp.identities])

# --- cost ---
fig, (left, right) = panels(2, width=4.6)
c = pd.DataFrame(cost["cells"])
x = np.arange(len(c))
left.bar(x - 0.2, c["impl1_over_full"], 0.4, color="C3", label="X(W₀ + AB)")
left.bar(x + 0.2, c["impl2_over_full"], 0.4, color="C2", label="XW₀ + (XA)B")
left.axhline(0.95, color="C3", ls="--", lw=1, label="rule: impl-1 ≥ 0.95")
left.axhline(0.8, color="C2", ls="--", lw=1, label="rule: impl-2 ≤ 0.8")
left.axhline(1, color="k", lw=0.8)
left.set_xticks(x, [f"b = {b}" for b in c["b"]])
left.set(ylabel="forward+backward time / full fine-tuning", title="Time (median, ratio to full)")
left.legend(fontsize=6)
for i, kind in enumerate(lg.IMPLEMENTATIONS):
    right.bar(
        x + (i - 1) * 0.27,
        c[f"peak_{kind}_over_nm"],
        0.27,
        label={"full": "full fine-tune", "impl1": "X(W₀ + AB)", "impl2": "XW₀ + (XA)B"}[kind],
    )
right.axhline(1, color="k", ls="--", lw=1, label="n·m floats (rule for impl-1)")
right.set_xticks(x, [f"b = {b}" for b in c["b"]])
right.set(ylabel="peak extra memory / (n·m floats)", title="Peak memory of forward+backward")
right.legend(fontsize=6)
job.figure(out.cost, fig, [inp.cost])
