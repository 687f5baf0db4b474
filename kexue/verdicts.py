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
        ours = format_value(lookup(metrics, claim.get("ours", parts[0]["key"])))
    except (KeyError, TypeError, ValueError) as err:
        return {"verdict": "error", "ours": "", "evidence": f"{type(err).__name__}: {err}"}
    verdicts = [v for v, _ in checks]
    failed_required = [v for p, v in zip(parts, verdicts, strict=True) if p.get("required") and v != "reproduced"]
    if voided:
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
    return {"verdict": verdict, "ours": ours, "evidence": evidence}


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


def format_value(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    return str(value)
