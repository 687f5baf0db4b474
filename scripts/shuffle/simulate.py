"""shuffle.near_uniform (b), shuffle.proportional_fix (simulation), shuffle.short_last_file: vectorised
simulations of the two-pass shuffle, its proportional variant and the short-last-file fix."""

import numpy as np
from scipy.stats import chi2 as chi2_dist
from scipy.stats import chi2_contingency, chisquare, kendalltau

from kexue.jobs import Job, read_json
from kexue.shuffle import scheme as sh

job = Job(snakemake)
s = snakemake.params.settings
rng = np.random.default_rng(s["seed"])

# --- (b) m files of n lines: item-block × position-block counts, Kendall τ(input, output) per run ---
u = s["uniform"]
m, n, blocks = u["m"], u["n"], u["blocks"]
size = m * n
item_block = np.arange(size) * blocks // size


def block_table(orders):
    """Counts of (input-item block, output-position block) over the given output orders."""
    positions = np.argsort(orders, axis=1)  # positions[run, item]
    cell = item_block[None, :] * blocks + positions * blocks // size
    return np.bincount(cell.ravel(), minlength=blocks * blocks).reshape(blocks, blocks), positions


table = np.zeros((blocks, blocks), dtype=np.int64)
control = np.zeros((blocks, blocks), dtype=np.int64)  # the same statistic for uniform permutations
taus = []
for start in range(0, u["runs"], u["batch"]):
    batch = min(u["batch"], u["runs"] - start)
    counts, positions = block_table(sh.two_pass_batch(m, n, batch, rng))
    table += counts
    control += block_table(rng.permuted(np.broadcast_to(np.arange(size), (batch, size)), axis=1))[0]
    taus += [float(kendalltau(np.arange(size), pos).statistic) for pos in positions]
    job.log.info("near-uniform: %d of %d runs", start + batch, u["runs"])
chi2, chi2_control = chi2_contingency(table), chi2_contingency(control)
taus = np.array(taus)
near_uniform = {
    "chi2": float(chi2.statistic),
    "chi2_p": float(chi2.pvalue),
    "dof": int(chi2.dof),
    # lower tail: a table more even than uniform permutations make (the round structure's regularity)
    "chi2_lower_p": float(chi2_dist.cdf(chi2.statistic, chi2.dof)),
    "control_chi2": float(chi2_control.statistic),
    "control_chi2_p": float(chi2_control.pvalue),
    "control_chi2_lower_p": float(chi2_dist.cdf(chi2_control.statistic, chi2_control.dof)),
    "tau_mean": float(taus.mean()),
    "tau_se": float(taus.std(ddof=1) / np.sqrt(len(taus))),
    "tau_abs_mean": float(abs(taus.mean())),
    "table": table.tolist(),
    "control_table": control.tolist(),
}
job.log.info("near-uniform: %s", {k: v for k, v in near_uniform.items() if k != "table"})

# --- proportional variant: χ² over the (mn)! orders; the two-pass scheme beside it for contrast ---
proportional, contrast = [], []
for m_, n_ in s["proportional"]["sizes"]:
    orders = np.prod(np.arange(1, m_ * n_ + 1))
    for scheme, batch, out in (
        ("proportional", sh.proportional_batch, proportional),
        ("two_pass", sh.two_pass_batch, contrast),
    ):
        counts = np.bincount(sh.permutation_index(batch(m_, n_, s["proportional"]["runs"], rng)), minlength=orders)
        test = chisquare(counts)
        out.append(
            {
                "scheme": scheme,
                "m": m_,
                "n": n_,
                "orders": int(orders),
                "expected_per_cell": s["proportional"]["runs"] / orders,
                "chi2": float(test.statistic),
                "p": float(test.pvalue),
                "unreached": int((counts == 0).sum()),
                "counts": counts.tolist(),
            }
        )
        job.log.info(
            "%s (%d, %d): χ² = %.1f, p = %.3g, %d orders never seen",
            scheme,
            m_,
            n_,
            test.statistic,
            test.pvalue,
            out[-1]["unreached"],
        )

# --- short last file: mean output position of its lines, without and with the fix ---
sl = s["short_last"]
sizes = [sl["n"]] * (sl["m"] - 1) + [sl["last"]]
total = sum(sizes)
short = {}
for fixed in (False, True):
    orders = sh.ragged_batch(sizes, sl["runs"], rng, fix_short_last=fixed)
    positions = np.argsort(orders, axis=1)[:, total - sl["last"] :]  # positions of the last file's lines
    per_run = positions.mean(axis=1)
    se = float(per_run.std(ddof=1) / np.sqrt(len(per_run)))
    global_mean = (total - 1) / 2
    short["fixed" if fixed else "plain"] = {
        "mean_position": float(per_run.mean()),
        "global_mean": global_mean,
        "se": se,
        # how far below the global mean, in standard errors (positive: toward the front)
        "z_below": float((global_mean - per_run.mean()) / se),
        "abs_z": float(abs(global_mean - per_run.mean()) / se),
        "histogram": np.histogram(positions, bins=20, range=(0, total))[0].tolist(),
    }
    job.log.info(
        "short last file, fix=%s: %s",
        fixed,
        {k: v for k, v in short["fixed" if fixed else "plain"].items() if k != "histogram"},
    )

exact = read_json(snakemake.input.exact)  # the exact halves of near_uniform and proportional_fix
job.metrics(
    snakemake.output[0],
    {
        "scale": f"m = {m}, n = {n}, {u['runs']} runs; {s['proportional']['runs']} small shuffles;"
        f" short last file {sl['runs']} runs",
        "exact": {
            "near_uniform_exact": exact["near_uniform_exact"],
            "proportional_all_equal": exact["proportional_exact"]["all_equal"],
        },
        "near_uniform": near_uniform,
        "proportional": {
            "cells": proportional,
            "min_p": min(c["p"] for c in proportional),
            "min_expected_per_cell": min(c["expected_per_cell"] for c in proportional),
        },
        "two_pass_orders": {"cells": contrast},
        "short_last": short,
    },
)
