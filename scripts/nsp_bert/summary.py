"""The claims' numbers from the scoring jobs: the proxy's mechanism check (every prompt variant), and where the
tier configures them, the article's zero-shot claim and the model-size ladder. Decided on the first pair order."""

from kexue import nsp_bert
from kexue.jobs import Job, read_json

job = Job(snakemake)
claims, order, stand_ins = job.params["claims"], job.params["decide_order"], set(job.params["stand_ins"])
scores = {m["model"]: m for m in map(read_json, snakemake.input.scores)}


def nsp(model: str, task: str, variant: str | None = None) -> dict:
    """The NSP result of a (model, task) at the deciding order, for a variant (default: the task's first)."""
    if task not in scores[model]["tasks"]:
        job.fail(f"claims: model {model} is not scored on task {task} (add it to nsp_bert.models.{model}.tasks)")
    variants = scores[model]["tasks"][task]["nsp"][order]
    return variants[variant or next(iter(variants))]


out = {"decide_order": order}

# --- nsp_bert.proxy_mechanism: every prompt variant, per pretraining seed (one: the shared proxy) ---
model, task = claims["proxy"]["model"], claims["proxy"]["task"]
result = scores[model]["tasks"][task]
seeds = [job.params["pretraining_seed"]]  # the shared step pretrains one proxy
proxy = {"model": model, "task": task, "pretraining_seeds": len(seeds), "pretraining_seed_list": seeds}
proxy |= {"texts": result["texts"], "chance": result["chance"]}
proxy["pretraining"] = {k: read_json(snakemake.input.pretrain)[k] for k in ("nsp_accuracy", "masked_char_accuracy")}
for variant, r in result["nsp"][order].items():
    proxy[variant] = {"accuracy": [r["accuracy"]], "p_value": [r["p_value"]]}  # one entry per pretraining seed
    proxy[variant] |= {"min_accuracy": min(proxy[variant]["accuracy"]), "max_p_value": max(proxy[variant]["p_value"])}
proxy["accuracy"] = {v: r["accuracy"] for v, r in result["nsp"][order].items()}
proxy["other_orders"] = {o: {v: r["accuracy"] for v, r in rs.items()} for o, rs in result["nsp"].items() if o != order}
proxy["pet_zero_accuracy"] = result["pet_zero"]["accuracy"]
proxy["min_nsp_check_accuracy"] = result["check"]["accuracy"]
out["proxy"] = proxy

# --- nsp_bert.zero_shot: the article's checkpoints on their tasks (full tier; stand-ins on smoke) ---
spec = claims["zero_shot"]
pairs = [(m, t) for m in spec["models"] for t in spec["tasks"] if t in scores[m]["tasks"]]
if spec["models"] and not pairs:
    job.fail(f"claims.zero_shot: no model of {spec['models']} is scored on a task of {spec['tasks']}")
if pairs:
    rows = {f"{m}/{t}": (nsp(m, t), scores[m]["tasks"][t]) for m, t in pairs}
    out["zero_shot"] = {
        "pairs": list(rows),
        "accuracy": {k: r["accuracy"] for k, (r, _) in rows.items()},
        "chance": {k: s["chance"] for k, (_, s) in rows.items()},
        "pet_zero_accuracy": {k: s["pet_zero"]["accuracy"] for k, (_, s) in rows.items()},
        "p_value": {k: r["p_value"] for k, (r, _) in rows.items()},
        "min_excess_over_chance": min(r["accuracy"] - s["chance"] for r, s in rows.values()),
        "max_p_value": max(r["p_value"] for r, _ in rows.values()),
        "nsp_beats_pet_fraction": sum(r["accuracy"] > s["pet_zero"]["accuracy"] for r, s in rows.values()) / len(rows),
        "min_nsp_check_accuracy": min(s["check"]["accuracy"] for _, s in rows.values()),
        "stand_in": any(m in stand_ins for m, _ in pairs),
    }

# --- nsp_bert.model_size: accuracy along increasing size, per task ---
spec = claims["model_size"]
if spec["models"]:
    sizes = [scores[m]["parameters"] for m in spec["models"]]
    if sizes != sorted(sizes) or len(set(sizes)) < len(sizes):
        job.fail(
            "claims.model_size.models must be listed smallest first; parameters "
            f"{dict(zip(spec['models'], sizes, strict=True))}"
        )
    curves = {t: [nsp(m, t)["accuracy"] for m in spec["models"]] for t in spec["tasks"]}
    out["model_size"] = {
        "models": spec["models"],
        "parameters": sizes,
        "accuracy": curves,
        "tasks": len(curves),
        "non_decreasing_tasks": sum(nsp_bert.non_decreasing(c) for c in curves.values()),
        "stand_in": any(m in stand_ins for m in spec["models"]),
    }

rows = []
for m, s in scores.items():
    for t, r in s["tasks"].items():
        for o, variants in r["nsp"].items():
            for v, x in variants.items():
                rows.append(
                    {"quantity": f"{m} · {t} · NSP {v} ({o})", "value": f"{x['accuracy']:.4f} (p = {x['p_value']:.2g})"}
                )
        rows.append(
            {
                "quantity": f"{m} · {t} · PET-zero",
                "value": f"{r['pet_zero']['accuracy']:.4f} (p = {r['pet_zero']['p_value']:.2g})",
            }
        )
        rows.append(
            {"quantity": f"{m} · {t} · majority-label rate", "value": f"{r['chance']:.4f} ({r['texts']} texts)"}
        )
        c = r["check"]
        rows.append(
            {
                "quantity": f"{m} · {t} · NSP check (own vs another text's second half)",
                "value": f"accuracy {c['accuracy']:.3f}; mean P(IsNext) {c['mean_p_is_next_true']:.3f} (own) "
                f"vs {c['mean_p_is_next_random']:.3f} (another's)",
            }
        )
out["report"] = {
    "title": "Zero-shot accuracy per model, task, prompt variant and pair order"
    + (" (stand-ins: random BERTs)" if stand_ins else ""),
    "rows": rows,
}
for key in ("proxy", "zero_shot", "model_size"):
    if key in out:
        job.log.info("%s: %s", key, {k: v for k, v in out[key].items() if not isinstance(v, dict)})
job.metrics(snakemake.output[0], out)
