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
