import pytest

from kexue.verdicts import check, decide, t_interval


def claim(rule, **extra):
    return {"id": "a.b", "rule": rule, **extra}


@pytest.mark.parametrize(
    "rule, observed, verdict",
    [
        ({"at_most": 1.0}, 1.0, "reproduced"),
        ({"at_most": 1.0}, 1.01, "not_reproduced"),
        ({"at_least": 0.95}, 0.949, "not_reproduced"),
        ({"below": 1e-3}, 1e-3, "not_reproduced"),
        ({"above": 0.0}, 0.0, "not_reproduced"),
        ({"above": 0.0}, 0.5, "reproduced"),
        ({"equals": 0}, 0, "reproduced"),
        ({"equals": True}, False, "not_reproduced"),
        ({"equals": -1.0}, -0.9999999999999999, "reproduced"),  # float rounding is not a difference
        ({"equals": -1.0}, -0.99, "not_reproduced"),
        ({"tolerance": 1.0, "value": 96}, 95.9, "reproduced"),
        ({"tolerance": 1.0, "value": 96}, 94.9, "not_reproduced"),
    ],
)
def test_simple_rules(rule, observed, verdict):
    assert check(rule, observed)[0] == verdict


def test_t_interval_matches_scipy():
    from scipy import stats

    values = [1.0, 2.0, 4.0]
    mean, low, high = t_interval(values, 0.95)
    expected = stats.t.interval(0.95, 2, loc=mean, scale=stats.sem(values))
    assert (low, high) == pytest.approx(expected)


@pytest.mark.parametrize(
    "values, verdict",
    [
        ([1.00, 1.01, 0.99], "reproduced"),  # interval wholly above 0.5
        ([0.10, 0.11, 0.09], "not_reproduced"),  # wholly below
        ([0.0, 1.0, 0.5], "inconclusive"),  # straddles 0.5
    ],
)
def test_interval_rule_over_seeds(values, verdict):
    rule = {"interval": {"threshold": 0.5, "direction": "at_least"}}
    assert check(rule, values)[0] == verdict


def test_interval_given_upstream():
    rule = {"interval": {"threshold": 8.33, "direction": "at_most"}}
    assert check(rule, {"mean": 5, "low": 4, "high": 9})[0] == "inconclusive"
    assert check(rule, {"mean": 5, "low": 4, "high": 6})[0] == "reproduced"


def test_all_of_gives_partially_and_nested_keys():
    rule = {"all_of": [{"key": "x.y", "at_most": 1}, {"key": "z", "equals": True}]}
    assert decide(claim(rule), {"x": {"y": 0.5}, "z": True})["verdict"] == "reproduced"
    assert decide(claim(rule), {"x": {"y": 0.5}, "z": False})["verdict"] == "partially"
    assert decide(claim(rule), {"x": {"y": 2}, "z": False})["verdict"] == "not_reproduced"


def test_required_part_decides_when_it_fails():
    """Lion C2.4: partially only if the first part holds; a failed first part fails the claim."""
    rule = {"all_of": [{"key": "a", "at_most": 0, "required": True}, {"key": "b", "above": 0}]}
    assert decide(claim(rule), {"a": -1, "b": 1})["verdict"] == "reproduced"
    assert decide(claim(rule), {"a": -1, "b": -1})["verdict"] == "partially"
    assert decide(claim(rule), {"a": 1, "b": 1})["verdict"] == "not_reproduced"
    interval = {
        "all_of": [
            {"key": "a", "interval": {"threshold": 0, "direction": "at_most"}, "required": True},
            {"key": "b", "above": 0},
        ]
    }
    assert decide(claim(interval), {"a": {"mean": 0, "low": -1, "high": 1}, "b": 1})["verdict"] == "inconclusive"


def test_inconclusive_when_voids_a_pass():
    rule = {
        "all_of": [{"key": "a", "equals": True}, {"key": "b", "above": 0}],
        "inconclusive_when": {"key": "void", "why": "bottom of grid"},
    }
    outcome = decide(claim(rule), {"a": True, "b": 1, "void": True})
    assert outcome["verdict"] == "inconclusive" and "bottom of grid" in outcome["evidence"]


def test_missing_metric_is_an_error_naming_the_key():
    outcome = decide(claim({"key": "nope", "at_most": 1}), {"other": 1})
    assert outcome["verdict"] == "error" and "nope" in outcome["evidence"]


def test_not_evaluated_is_inconclusive():
    outcome = decide(claim({"not_evaluated": "table is an image"}), {})
    assert outcome["verdict"] == "inconclusive" and outcome["evidence"] == "table is an image"


def test_ours_shows_the_chosen_key():
    outcome = decide(claim({"key": "a", "at_most": 1}, ours="b"), {"a": 0.5, "b": {"100": 7}})
    assert outcome["ours"] == "100: 7"


def test_ours_keeps_the_digits_that_separate_it_from_a_threshold_and_shows_its_unit():
    # the review's case: 0.999997 shown as "1" beside a rule at_least 0.95 read as a perfect score
    outcome = decide(claim({"key": "a", "at_least": 0.95}, unit="mean target probability"), {"a": 0.9999971})
    assert outcome["ours"] == "0.999997 mean target probability"
    assert decide(claim({"key": "a", "at_most": 1.2}), {"a": 1.199991})["ours"] == "1.19999"


def test_if_absent_is_not_evaluated_only_when_a_key_is_missing():
    rule = {"all_of": [{"key": "c.a", "at_least": 0}, {"key": "c.b", "below": 0}], "if_absent": "needs the hub"}
    absent = decide(claim(rule), {"c": {"missing_rows": ["bert-base"]}})
    assert absent["verdict"] == "inconclusive" and absent["ours"] == "not evaluated"
    assert absent["evidence"].startswith("needs the hub") and "c.a" in absent["evidence"]
    assert decide(claim(rule), {"c": {"a": 1, "b": -1}})["verdict"] == "reproduced"
    assert decide(claim(rule), {"c": {"a": -1, "b": 1}})["verdict"] == "not_reproduced"
    simple = {"key": "x", "at_most": 1, "if_absent": "needs the hub"}
    assert decide(claim(simple), {})["verdict"] == "inconclusive"
    assert decide(claim(simple), {"x": 2})["verdict"] == "not_reproduced"
    # a wrong value type is still an error, not "not evaluated"
    assert decide(claim(simple), {"x": "text"})["verdict"] == "error"


def test_optional_part_is_skipped_only_when_absent():
    rule = {"all_of": [{"key": "a", "at_least": 0}, {"key": "b", "at_least": 0, "optional": True}]}
    skipped = decide(claim(rule), {"a": 1})
    assert skipped["verdict"] == "reproduced" and "b absent (optional part, skipped)" in skipped["evidence"]
    assert decide(claim(rule), {"a": 1, "b": -1})["verdict"] == "partially"  # present: it counts
    assert decide(claim(rule), {"b": 1})["verdict"] == "error"  # a non-optional key is still required
    lonely = {
        "all_of": [{"key": "a", "at_least": 0, "optional": True}, {"key": "b", "at_least": 0, "optional": True}],
        "if_absent": "needs the full tier",
    }
    assert decide(claim(lonely), {})["verdict"] == "inconclusive"


# Guards: each fires on a run that cannot decide its claim, and stays quiet on one that can.
PASSING = {"key": "score", "at_least": 0.5}


def guarded(guard, metrics):
    return decide(claim({**PASSING, "guards": [guard]}), {"score": 0.9, **metrics})


@pytest.mark.parametrize(
    "guard, metrics, fires",
    [
        # a loss still falling 10 % over the last fifth of training; the same curve flat at the end
        ({"still_improving": {"key": "curve"}}, {"curve": [5, 4, 3, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.3, 2.07]}, True),
        ({"still_improving": {"key": "curve"}}, {"curve": [5, 4, 3, 2.5, 2.2, 2.1, 2.05, 2.0, 2.0, 2.0, 2.0]}, False),
        ({"still_improving": {"key": "curve", "goal": "max"}}, {"curve": [0.5, 0.8, 0.9, 0.95]}, True),
        ({"still_improving": {"key": "curve", "goal": "max"}}, {"curve": [0.5, 0.8, 0.95, 0.95]}, False),
        ({"still_improving": {"key": "curve"}}, {"curve": [3.0]}, True),  # one point shows nothing
        # the best setting on either end of its grid, also on a two-value grid (the old check skipped those)
        ({"grid_edge": {"key": "lr"}}, {"lr": {"best": 3e-3, "grid": [3e-4, 1e-3, 3e-3]}}, True),
        ({"grid_edge": {"key": "lr"}}, {"lr": {"best": 3e-4, "grid": [3e-3, 1e-3, 3e-4]}}, True),
        ({"grid_edge": {"key": "lr"}}, {"lr": {"best": 1e-3, "grid": [3e-4, 1e-3, 3e-3]}}, False),
        ({"grid_edge": {"key": "wd"}}, {"wd": {"best": 0.1, "grid": [0.01, 0.1]}}, True),
        ({"grid_edge": {"key": "wd"}}, {"wd": {"best": 0.1, "grid": [0.1]}}, True),
        (
            {"grid_edge": {"key": "wd", "sides": ["high"], "why": "0 is a bound"}},
            {"wd": {"best": 0, "grid": [0, 1, 2]}},
            False,
        ),
        ({"grid_edge": {"best": "b", "grid": "g"}}, {"b": 2, "g": [1, 2, 3]}, False),
        # an effect of 0.006 against a seed spread of 0.004 passes at factor 1, not at factor 2
        ({"seed_spread": {"key": "d"}}, {"d": [0.002, 0.006, 0.010]}, False),
        ({"seed_spread": {"key": "d", "factor": 2}}, {"d": [0.002, 0.006, 0.010]}, True),
        ({"seed_spread": {"key": "d"}}, {"d": [0.006]}, True),  # one seed has no spread to compare with
        ({"seed_spread": {"effect": "e", "spread": "s"}}, {"e": -0.01, "s": 0.004}, False),
        ({"seed_spread": {"effect": "e", "spread": "s"}}, {"e": 0.003, "s": 0.004}, True),
        # 8.33 ln N grows by 5.8 from N = 500 to 1000 while the grid steps by 16
        ({"resolution": {"predicted": "p", "spacing": "s"}}, {"p": 5.8, "s": 16}, True),
        ({"resolution": {"predicted": "p", "spacing": "s"}}, {"p": 19.2, "s": 16}, False),
        ({"precondition": {"key": "ppl", "at_most": 300, "why": "decoder too weak"}}, {"ppl": 631}, True),
        ({"precondition": {"key": "ppl", "at_most": 300, "why": "decoder too weak"}}, {"ppl": 120}, False),
    ],
)
def test_guards_fire_only_when_the_run_cannot_decide(guard, metrics, fires):
    result = guarded(guard, metrics)
    assert result["verdict"] == ("inconclusive" if fires else "reproduced"), result["evidence"]
    if fires:
        assert result["evidence"].startswith("cannot decide: ")
    else:
        assert "guards passed" in result["evidence"]


def test_a_guard_turns_a_failure_into_inconclusive_and_keeps_the_rules_evidence():
    result = decide(
        claim({"key": "score", "at_least": 0.95, "guards": [{"still_improving": {"key": "c", "why": "undertrained"}}]}),
        {"score": 0.9, "c": [3.0, 2.0, 1.0]},
    )
    assert result["verdict"] == "inconclusive"
    assert result["evidence"].startswith("cannot decide: undertrained: c still improving")
    assert "needs ≥ 0.95" in result["evidence"]  # the rule's own outcome is still shown


def test_guards_on_an_all_of_rule_and_a_missing_guard_key_is_an_error():
    rule = {"all_of": [{"key": "a", "equals": 1}, {"key": "b", "equals": 2}], "guards": [{"seed_spread": {"key": "d"}}]}
    assert decide(claim(rule), {"a": 1, "b": 2, "d": [0.001, -0.001]})["verdict"] == "inconclusive"
    assert decide(claim(rule), {"a": 1, "b": 2, "d": [1.0, 1.1]})["verdict"] == "reproduced"
    missing = decide(claim(rule), {"a": 1, "b": 2})
    assert missing["verdict"] == "error" and "'d'" in missing["evidence"]


def test_the_claims_schema_checks_guards(tmp_path):
    import shutil

    import yaml

    from kexue.config import CLAIMS_SCHEMA, ConfigError, load_claims

    def registry(guard):
        rule = {"key": "x", "at_least": 1, "guards": [guard]}
        return {
            "title": "A title",
            "archives": [1],
            "brief": "a.md",
            "claims": [
                {
                    "id": "demo.C1",
                    "kind": "claim",
                    "url": "https://kexue.fm/archives/1",
                    "statement": "a statement",
                    "reference": {"value": "1", "source": "1"},
                    "rule": rule,
                    "expected": "reproduced",
                }
            ],
        }

    (tmp_path / CLAIMS_SCHEMA).parent.mkdir(parents=True)
    shutil.copy(CLAIMS_SCHEMA, tmp_path / CLAIMS_SCHEMA)
    folder = tmp_path / "config/articles/demo"
    folder.mkdir(parents=True)
    good = [
        {"still_improving": {"key": "c", "goal": "max"}},
        {"grid_edge": {"best": "b", "grid": "g"}},
        {"seed_spread": {"key": "d", "factor": 2}},
        {"resolution": {"predicted": "p", "spacing": "s"}},
        {"precondition": {"key": "k", "at_most": 3, "why": "needs it"}},
    ]
    for guard in good:
        (folder / "claims.yaml").write_text(yaml.safe_dump(registry(guard)))
        load_claims(tmp_path, "demo")
    bad = [
        {"still_improving": {"key": "c", "goal": "lowest"}},
        {"grid_edge": {"key": "k", "sides": ["low"]}},
        {"seed_spread": {"effect": "e"}},
        {"precondition": {"key": "k", "at_most": 3}},
        {"converged": {"key": "c"}},
        {"still_improving": {"key": "c"}, "grid_edge": {"key": "k"}},
    ]
    for guard in bad:
        (folder / "claims.yaml").write_text(yaml.safe_dump(registry(guard)))
        with pytest.raises(ConfigError, match="claims registry"):
            load_claims(tmp_path, "demo")
