"""Tests for kexue.perturbed_masking: the impact's definition against a direct computation, the 2T − 1 batch
against the full matrix, segmentation and parsing on hand-made impacts, and the registry's rules and guards on
the values the evaluation writes."""

from pathlib import Path

import numpy as np
import pytest
import torch

from kexue import config as kexue_config
from kexue import perturbed_masking as pm
from kexue import segmentation as seg
from kexue.encoders import build_random_bert
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]
TEXT = "大肠杆菌是人和动物肠道中的细菌"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(TEXT)), "1", "##9", "##8", "a"]
    folder = build_random_bert(tmp_path_factory.mktemp("zh"), vocab, hidden_size=16, layers=2, heads=2, seed=0)
    return pm.load_encoder({"random_bert": {"seed": 0}}, folder)


def direct_impact(encoder, tokenizer, ids, i, j):
    """f(x_i, x_j) straight from the definition, one forward pass per masked copy."""
    x = pm.with_specials(ids, tokenizer)
    one, two = x.clone(), x.clone()
    one[i + 1] = tokenizer.mask_token_id
    two[[i + 1, j + 1]] = tokenizer.mask_token_id
    with torch.no_grad():
        h1 = encoder(input_ids=one[None]).last_hidden_state[0, i + 1]
        h2 = encoder(input_ids=two[None]).last_hidden_state[0, i + 1]
    return float((h1 - h2).norm())


def test_impact_matrix_matches_the_definition(tiny):
    tokenizer, encoder = tiny
    ids = pm.char_ids(tokenizer, TEXT[:6])
    f = pm.impact_matrix(encoder, tokenizer, ids, batch_size=7)
    assert np.allclose(np.diag(f), 0)
    for i, j in [(0, 1), (1, 0), (2, 5), (5, 2), (3, 4)]:
        assert f[i, j] == pytest.approx(direct_impact(encoder, tokenizer, ids, i, j), rel=1e-4, abs=1e-5)
    assert not np.allclose(f, f.T)  # the impact is not symmetric; the segmentation averages both directions


def test_the_2t_minus_1_batch_gives_the_adjacent_entries_of_the_matrix(tiny):
    tokenizer, encoder = tiny
    ids = pm.char_ids(tokenizer, TEXT)
    forward, backward = pm.adjacent_impact(encoder, tokenizer, ids, batch_size=5)
    f = pm.impact_matrix(encoder, tokenizer, ids)
    t = len(ids)
    np.testing.assert_allclose(forward, [f[i, i + 1] for i in range(t - 1)], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(backward, [f[i + 1, i] for i in range(t - 1)], rtol=1e-4, atol=1e-5)


def test_one_token_per_character(tiny):
    tokenizer = tiny[0]
    ids = pm.char_ids(tokenizer, "大１９８Ａ菌")  # full-width digits and letter: half-width forms, ## inside a run
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokens == ["大", "1", "##9", "##8", "a", "菌"]  # no "##a" in the vocabulary: "a" keeps the position
    assert tokenizer.convert_ids_to_tokens(pm.char_ids(tokenizer, "大x菌")) == ["大", "[UNK]", "菌"]


def test_segment_splits_below_the_threshold():
    assert pm.segment("abcd", np.array([5.0, 1.0, 9.0]), 4.0) == ["ab", "cd"]
    assert pm.segment("abcd", np.array([5.0, 1.0, 9.0]), 0.5) == ["abcd"]
    assert pm.segment("a", np.array([]), 1.0) == ["a"]


def test_boundary_agreement():
    assert pm.boundaries(["ab", "c", "de"]) == [False, True, True, False]
    assert pm.boundary_agreement(["ab", "c", "de"], ["ab", "cde"]) == pytest.approx(3 / 4)
    with pytest.raises(ValueError):
        pm.boundary_agreement(["ab"], ["ac"])


def test_length_matched_threshold_reproduces_the_gold_word_count():
    gold = [["ab", "c", "de"], ["fgh", "i"]]  # 5 words, 4 + 3 gaps, 3 boundaries
    d = [np.array([9.0, 1.0, 2.0, 8.0]), np.array([7.0, 6.0, 0.5])]
    t = pm.length_matched_threshold(d, gold)
    words = sum(len(pm.segment("".join(g), x, t)) for g, x in zip(gold, d, strict=True))
    assert words == 5


def test_parse_splits_between_two_cohesive_blocks():
    f = np.full((5, 5), 0.1)
    f[:2, :2] = f[2:, 2:] = 5.0
    np.fill_diagonal(f, 0)
    tree = pm.parse(f)
    assert tree[0] == (0, 1)  # the first split separates {0, 1} from {2, 3, 4}
    assert pm.tree_string(tree, "abcde").startswith("((a b) ")
    k_best = max(range(1, 5), key=lambda k: pm.split_objective(f, 0, k, 5))
    assert k_best == 2


def test_gold_sentences_cut_at_sentence_ends():
    lines = [["今天", "好", "。", "明天", "也", "好", "！", "尾巴"], ["太", "长", "了", "的", "句子", "。"]]
    assert pm.gold_sentences(lines, 2, 6) == [["今天", "好", "。"], ["明天", "也", "好", "！"], ["尾巴"]]


def test_shared_scorer_is_span_matching():
    """The scorer moved from new_word_discovery to kexue.segmentation: both names are the same function."""
    from kexue import new_word_discovery as nwd

    assert nwd.score is seg.score and nwd.pmi_join is seg.pmi_join
    s = seg.score([["大肠杆菌", "是", "细菌"]], [["大肠", "杆菌", "是", "细菌"]])
    assert (s["precision"], s["recall"]) == pytest.approx((2 / 4, 2 / 3))


def claim(name):
    claims = kexue_config.load_claims(ROOT, "perturbed_masking")["claims"]
    return next(c for c in claims if c["id"] == f"perturbed_masking.{name}")


def metrics(**change):
    m = {
        "stand_in": False,
        "gain_over_single": 0.2,
        "gain_over_pmi": 0.05,
        "test": {"impact": {"f1": 0.7}},
        "impact_choice": {"best": 0.5, "grid": [0.1, 0.5, 0.9]},
        "pmi_choice": {"best": 2.0, "grid": [0.0, 2.0, 4.0]},
        "demos": {"min_agreement_tuned": 0.8},
    }
    return m | change


def test_segmentation_rule_and_guards():
    c = claim("segmentation")
    assert decide(c, metrics())["verdict"] == "reproduced"
    assert decide(c, metrics(gain_over_pmi=-0.01))["verdict"] == "partially"
    assert decide(c, metrics(gain_over_single=0.01, gain_over_pmi=-0.1))["verdict"] == "not_reproduced"
    for change in (
        {"stand_in": True},
        {"impact_choice": {"best": 0.9, "grid": [0.1, 0.5, 0.9]}},
        {"pmi_choice": {"best": 0.0, "grid": [0.0, 2.0, 4.0]}},
    ):
        assert decide(c, metrics(**change))["verdict"] == "inconclusive", change


def test_demos_need_the_article_threshold():
    c = claim("demos")
    outcome = decide(c, metrics())
    assert outcome["verdict"] == "inconclusive" and outcome["ours"] == "not evaluated"
    with_article = metrics(demos={"min_agreement_at_article_threshold": 0.95})
    assert decide(c, with_article)["verdict"] == "reproduced"
    assert decide(c, metrics(demos={"min_agreement_at_article_threshold": 0.7}))["verdict"] == "not_reproduced"
    assert decide(c, with_article | {"stand_in": True})["verdict"] == "inconclusive"
