"""Turn metrics into verdicts by the decision rules of each article's claims.yaml (config/articles/<slug>/).

A rule compares an observed metric with a reference:
  tolerance:  |observed − value| ≤ tol
  at_most / at_least: observed ≤ / ≥ threshold;  below / above: observed < / > threshold
  equals:     observed == value (booleans, counts)
  interval:   observed is one value per seed (→ two-sided t-interval of the mean at `confidence`) or
              an interval computed upstream ({mean, low, high}); wholly on the passing side of
              `threshold` → reproduced, wholly failing → not_reproduced, straddling → inconclusive
A claim has one rule or `all_of` several (all pass → reproduced, some → partially, none →
not_reproduced; a part marked `required: true` that does not pass gives its own verdict instead of
partially; a part marked `optional: true` is skipped when its key is absent, e.g. a task only some
data sources cover), and optionally `inconclusive_when` (a boolean metric that voids the test).
Guards (`guards:`, a list on the claim's rule) say when the run cannot decide its claim; each one that fires
makes the verdict inconclusive, with its reason first in the evidence (see GUARDS below):
  still_improving: the training curve still improved over its last `window` by more than `tolerance`
  grid_edge:       the best setting is the lowest or highest value of its grid
  seed_spread:     the effect is smaller than `factor` × its seed-to-seed standard deviation
  resolution:      the predicted change is smaller than the grid's spacing where it is measured
  precondition:    a condition of the claim is unmet (a rule of its own, with `why`)
A claim that cannot be tested here says so with `not_evaluated: <reason>` and is inconclusive. A rule
with `if_absent: <reason>` is tested when its metric keys exist and is inconclusive ("not evaluated",
with the reason and the missing key) when the metrics file lacks one: for claims that only some tiers
can test (the whitening brief's BERT rows need hub models), decided by the run, not by hand.
"""

import math

import numpy as np
from scipy import stats

VERDICTS = ("reproduced", "partially", "not_reproduced", "inconclusive", "error")


def lookup(metrics: dict, key: str):
    """metrics['a']['b'] for key 'a.b'."""
    value = metrics
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"metric '{key}' not found (no '{part}')")
        value = value[part]
    return value


def t_interval(values, confidence: float) -> tuple[float, float, float]:
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, -math.inf, math.inf
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def check(rule: dict, observed) -> tuple[str, str]:
    """(verdict, evidence) for one simple rule."""
    if "interval" in rule:
        spec = rule["interval"]
        if isinstance(observed, dict):
            mean, low, high = observed["mean"], observed["low"], observed["high"]
        else:
            mean, low, high = t_interval(observed, spec.get("confidence", 0.95))
        passing = (
            (lambda x: x >= spec["threshold"])
            if spec["direction"] == "at_least"
            else (lambda x: x <= spec["threshold"])
        )
        source = "from the fit" if isinstance(observed, dict) else f"over {len(observed)} seeds"
        evidence = (
            f"mean {mean:.4g}, {spec.get('confidence', 0.95):.0%} interval [{low:.4g}, {high:.4g}] "
            f"{source}; pass if {spec['direction']} {spec['threshold']:g}"
        )
        if passing(low) and passing(high):
            return "reproduced", evidence
        if not passing(low) and not passing(high):
            return "not_reproduced", evidence
        return "inconclusive", evidence
    if "tolerance" in rule:
        ok = abs(observed - rule["value"]) <= rule["tolerance"]
        return _pass(ok), f"{observed:.6g}, needs within ±{rule['tolerance']:g} of {rule['value']:g}"
    if "at_most" in rule:
        return _pass(observed <= rule["at_most"]), f"{observed:.6g}, needs ≤ {rule['at_most']:g}"
    if "at_least" in rule:
        return _pass(observed >= rule["at_least"]), f"{observed:.6g}, needs ≥ {rule['at_least']:g}"
    if "below" in rule:
        return _pass(observed < rule["below"]), f"{observed:.6g}, needs < {rule['below']:g}"
    if "above" in rule:
        return _pass(observed > rule["above"]), f"{observed:.6g}, needs > {rule['above']:g}"
    if "equals" in rule:
        return _pass(_equal(observed, rule["equals"])), f"{observed}, needs = {rule['equals']}"
    raise ValueError(f"rule {rule} has no known comparison")


def _equal(observed, expected) -> bool:
    """Exact for booleans and integers; floats within rounding (a Spearman ρ of −1 may come out as
    −0.9999999999999999)."""
    if isinstance(observed, float) or isinstance(expected, float):
        return math.isclose(observed, expected, rel_tol=1e-9, abs_tol=1e-12)
    return observed == expected


def _pass(ok) -> str:
    return "reproduced" if bool(ok) else "not_reproduced"


def decide(claim: dict, metrics: dict) -> dict:
    """Verdict, our number and evidence for one claim, given its metrics file's content."""
    rule = claim["rule"]
    if "not_evaluated" in rule:
        return {"verdict": "inconclusive", "ours": "not evaluated", "evidence": rule["not_evaluated"]}
    try:
        parts, results, skipped = _present_parts(rule, metrics)
    except KeyError as err:
        if "if_absent" in rule:
            return {
                "verdict": "inconclusive",
                "ours": "not evaluated",
                "evidence": f"{rule['if_absent']} ({err.args[0]})",
            }
        return {"verdict": "error", "ours": "", "evidence": f"KeyError: {err}"}
    try:
        checks = [check(p, value) for p, (_, value) in zip(parts, results, strict=True)]
        void = rule.get("inconclusive_when")
        voided = bool(void) and bool(lookup(metrics, void["key"]))
        ours = format_value(lookup(metrics, claim.get("ours", parts[0]["key"]))) + _unit(claim)
    except (KeyError, TypeError, ValueError) as err:
        return {"verdict": "error", "ours": "", "evidence": f"{type(err).__name__}: {err}"}
    verdicts = [v for v, _ in checks]
    failed_required = [v for p, v in zip(parts, verdicts, strict=True) if p.get("required") and v != "reproduced"]
    try:
        fired, passed = apply_guards(rule.get("guards", []), metrics)
    except (KeyError, TypeError, ValueError) as err:
        return {"verdict": "error", "ours": ours, "evidence": f"guard: {type(err).__name__}: {err}"}
    if voided or fired:
        verdict = "inconclusive"
    elif failed_required:
        verdict = "inconclusive" if "inconclusive" in failed_required else "not_reproduced"
    elif all(v == "reproduced" for v in verdicts):
        verdict = "reproduced"
    elif len(verdicts) > 1 and any(v == "reproduced" for v in verdicts):
        verdict = "partially"
    elif "inconclusive" in verdicts:
        verdict = "inconclusive"
    else:
        verdict = "not_reproduced"
    evidence = "; ".join(
        [f"{key} = {e} → {v}" for (key, _), (v, e) in zip(results, checks, strict=True)]
        + [f"{key} absent (optional part, skipped)" for key in skipped]
    )
    if voided:
        evidence = f"{void['why']} ({void['key']} is true); " + evidence
    if fired:
        evidence = "cannot decide: " + "; ".join(fired) + ". The rule alone: " + evidence
    if passed:
        evidence += " (guards passed: " + "; ".join(passed) + ")"
    return {"verdict": verdict, "ours": ours, "evidence": evidence}


def verdict_row(claim: dict, outcome: dict, metrics: dict) -> dict:
    """A claim's row of verdicts.csv: the registry's fields beside the decided outcome."""
    return {
        "id": claim["id"],
        "url": claim["url"],
        "kind": claim["kind"],
        "statement": claim["statement"],
        "article_value": claim["reference"]["value"],
        "reference_source": claim["reference"]["source"],
        "ours": outcome["ours"],
        "scale": metrics.get("scale", "exact" if metrics else ""),
        "verdict": outcome["verdict"],
        "expected": claim["expected"],
        "evidence": outcome["evidence"],
        "figure": claim.get("figure", ""),
    }


def error_rows(claims: list, reason: str) -> list[dict]:
    """Rows for the claims of an article whose jobs did not finish: verdict `error`, the reason as evidence."""
    return [verdict_row(c, {"verdict": "error", "ours": "", "evidence": reason}, {}) for c in claims]


def _present_parts(rule: dict, metrics: dict) -> tuple[list, list, list]:
    """(parts, [(key, observed)], skipped keys): a part marked `optional: true` whose key is absent is
    skipped; any other absent key raises KeyError (and so does a rule left with no part at all)."""
    parts, results, skipped = [], [], []
    for part in rule.get("all_of", [rule]):
        try:
            results.append((part["key"], lookup(metrics, part["key"])))
            parts.append(part)
        except KeyError:
            if not part.get("optional"):
                raise
            skipped.append(part["key"])
    if not parts:
        raise KeyError(f"every part is optional and absent ({', '.join(skipped)})")
    return parts, results, skipped


def _unit(claim: dict) -> str:
    return f" {claim['unit']}" if claim.get("unit") else ""


def format_value(value) -> str:
    """Six significant digits: enough that a value just short of a round threshold never shows as it
    (0.999997 is not 1)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    return str(value)


# Guards: each returns (fired, message). A guard reads raw values that the scripts write (curves, grids,
# per-seed effects), so the decision "can this run speak to its claim" is made here, in one place.


def guard_still_improving(spec: dict, metrics: dict) -> tuple[bool, str]:
    """Relative improvement of a curve over its last `window` fraction of evaluations."""
    curve = [float(v) for v in lookup(metrics, spec["key"])]
    window, tolerance = spec.get("window", 0.2), spec.get("tolerance", 0.01)
    if len(curve) < 2:
        return True, f"{spec['key']} has {len(curve)} evaluation(s): too few to tell whether training converged"
    back = max(1, math.ceil(window * (len(curve) - 1)))
    start, end = curve[-1 - back], curve[-1]
    gain = (start - end) if spec.get("goal", "min") == "min" else (end - start)
    relative = gain / abs(start) if start else math.copysign(math.inf, gain) if gain else 0.0
    fired = relative > tolerance
    return fired, (
        f"{spec['key']} {'still improving' if fired else 'flat'}: {start:.4g} → {end:.4g} over the last "
        f"{back} of {len(curve) - 1} evaluation steps ({relative:+.2%}, limit {tolerance:.2%})"
    )


def guard_grid_edge(spec: dict, metrics: dict) -> tuple[bool, str]:
    """The best value at the lowest or highest end of its grid (a one-value grid cannot show an optimum)."""
    if "key" in spec:
        found = lookup(metrics, spec["key"])
        best, grid, name = found["best"], found["grid"], spec["key"]
    else:
        best, grid, name = lookup(metrics, spec["best"]), lookup(metrics, spec["grid"]), spec["best"]
    grid = sorted(float(g) for g in grid)
    sides = spec.get("sides", ["low", "high"])
    at = [s for s, end in (("low", grid[0]), ("high", grid[-1])) if s in sides and math.isclose(best, end)]
    fired = bool(at) or len(grid) < 2
    where = f"at the {' and '.join(at)} edge of" if at else "inside"
    return fired, f"{name} best {best:g} {where} its grid [{', '.join(f'{g:g}' for g in grid)}]"


def guard_seed_spread(spec: dict, metrics: dict) -> tuple[bool, str]:
    """|mean effect| against `factor` × its standard deviation across seeds."""
    factor = spec.get("factor", 1.0)
    if "key" in spec:
        values = np.asarray(lookup(metrics, spec["key"]), dtype=float)
        name, n = spec["key"], len(values)
        effect = float(values.mean())
        spread = float(values.std(ddof=1)) if n > 1 else math.inf
    else:
        name, n = spec["effect"], None
        effect, spread = float(lookup(metrics, spec["effect"])), float(lookup(metrics, spec["spread"]))
    fired = not abs(effect) > factor * spread
    seeds = f" over {n} seeds" if n is not None else ""
    relation = "within" if fired else "beyond"
    return fired, f"{name} effect {effect:.4g} {relation} {factor:g} × seed spread {spread:.3g}{seeds}"


def guard_resolution(spec: dict, metrics: dict) -> tuple[bool, str]:
    """A predicted change smaller than the grid's step cannot be seen on that grid."""
    predicted, spacing = float(lookup(metrics, spec["predicted"])), float(lookup(metrics, spec["spacing"]))
    fired = abs(predicted) < spacing
    relation = "below" if fired else "at least"
    return fired, f"predicted change {predicted:.4g} ({spec['predicted']}) {relation} the grid spacing {spacing:.4g}"


def guard_precondition(spec: dict, metrics: dict) -> tuple[bool, str]:
    """A condition the claim presupposes, written as a rule of its own."""
    rule = {k: v for k, v in spec.items() if k != "why"}
    verdict, evidence = check(rule, lookup(metrics, spec["key"]))
    fired = verdict != "reproduced"
    return fired, f"precondition {'unmet' if fired else 'met'} ({spec['key']} = {evidence})"


GUARDS = {
    "still_improving": guard_still_improving,
    "grid_edge": guard_grid_edge,
    "seed_spread": guard_seed_spread,
    "resolution": guard_resolution,
    "precondition": guard_precondition,
}


def apply_guards(guards: list, metrics: dict) -> tuple[list[str], list[str]]:
    """(reasons of the guards that fired, summaries of those that passed)."""
    fired, passed = [], []
    for guard in guards:
        ((kind, spec),) = guard.items()
        hit, message = GUARDS[kind](spec, metrics)
        if hit:
            fired.append(f"{spec['why']}: {message}" if "why" in spec else message)
        else:
            passed.append(message)
    return fired, passed
