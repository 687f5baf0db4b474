"""shuffle.near_uniform (a), shuffle.not_all_orders, shuffle.count_argument, shuffle.proportional_fix
(exact part): every outcome of the two-pass shuffle for tiny sizes, the outcome count, the exact
probabilities of the proportional variant."""

import math
from fractions import Fraction

from kexue.jobs import Job
from kexue.shuffle import scheme as sh

job = Job(snakemake)
s = snakemake.params.settings

cells = []
for m, n in s["enumerate_sizes"]:
    counts = sh.enumerate_two_pass(m, n)
    size = m * n
    table = sh.position_counts(counts, size)
    total = sh.outcome_count(m, n)
    first_files = [{order[j] // n for j in range(m)} for order in counts]
    frequencies = sorted(set(counts.values()) | ({0} if len(counts) < math.factorial(size) else set()))
    cells.append(
        {
            "m": m,
            "n": n,
            "outcomes": total,
            "enumerated": sum(counts.values()),
            "orders": math.factorial(size),
            "reachable": len(counts),
            # (a) uniform marginals: every item in every position in exactly total/(mn) outcomes
            "uniform_marginals": bool((table * size == total).all()),
            "start_same_file": sum(order[0] // n == order[1] // n for order in counts),
            "first_m_from_m_files": all(len(f) == m for f in first_files),
            # a uniform permutation would need every order with the same count
            "distinct_order_frequencies": len(frequencies),
        }
    )
    job.log.info("%s", cells[-1])

not_all = [c for c in cells if [c["m"], c["n"]] in s["not_all_orders_sizes"]]
m, n = s["count_sizes"]
count = sh.outcome_count(m, n)
proportional = []
for m_, n_ in s["proportional_sizes"]:
    probabilities = sh.exact_proportional(m_, n_)
    orders = math.factorial(m_ * n_)
    proportional.append(
        {
            "m": m_,
            "n": n_,
            "orders": orders,
            "reachable": len(probabilities),
            "all_equal": len(probabilities) == orders and set(probabilities.values()) == {Fraction(1, orders)},
        }
    )
    job.log.info("proportional exact %s", proportional[-1])
first = cells[0]
job.metrics(
    snakemake.output[0],
    {
        "cells": cells,
        "near_uniform_exact": all(c["uniform_marginals"] and c["enumerated"] == c["outcomes"] for c in cells),
        "not_all_orders": {
            "all_fewer_than_orders": all(c["reachable"] < c["orders"] for c in not_all),
            "start_same_file_total": sum(c["start_same_file"] for c in not_all),
            "first_m_from_m_files": all(c["first_m_from_m_files"] for c in not_all),
        },
        "count_argument": {
            "m": m,
            "n": n,
            "outcomes": str(count),
            "orders": str(math.factorial(m * n)),
            "remainder_nonzero": count % math.factorial(m * n) != 0,
            # the first enumerated size (2, 2): more than one distinct frequency over the (mn)! orders
            "enumerated_m": first["m"],
            "enumerated_n": first["n"],
            "enumerated_distinct_frequencies": first["distinct_order_frequencies"],
        },
        "proportional_exact": {"cells": proportional, "all_equal": all(p["all_equal"] for p in proportional)},
    },
)
