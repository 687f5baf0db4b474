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
    forward, backward, predicted = pm.adjacent_impact(encoder, tokenizer, ids, batch_size=5)
    assert predicted is None
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


def test_span_counts_sum_to_the_shared_scorer():
    gold = [["大肠杆菌", "是", "细菌"], ["人和", "动物"]]
    pred = [["大肠", "杆菌", "是", "细菌"], ["人", "和动物"]]
    counts = pm.span_counts(gold, pred)
    assert counts.tolist() == [[2, 3, 4], [0, 2, 2]]
    assert pm.f1_from_counts(counts.sum(0)) == pytest.approx(seg.score(gold, pred)["f1"])


def test_bootstrap_gain_se_against_a_direct_resampling():
    """The paired bootstrap: the same resampled sentences for both methods, F1 recomputed by the shared scorer."""
    rng = np.random.default_rng(1)
    texts = ["".join(rng.choice(list("大肠杆菌是人和动物"), size=rng.integers(3, 9))) for _ in range(30)]
    gold = [pm.segment(t, rng.random(len(t) - 1), 0.5) for t in texts]
    ours = [pm.segment(t, rng.random(len(t) - 1), 0.3) for t in texts]
    base = [list(t) for t in texts]
    se = pm.bootstrap_gain_se(pm.span_counts(gold, ours), pm.span_counts(gold, base), resamples=50, seed=7)
    draws = np.random.default_rng(7).integers(len(texts), size=(50, len(texts)))
    gains = [
        seg.score([gold[i] for i in d], [ours[i] for i in d])["f1"]
        - seg.score([gold[i] for i in d], [base[i] for i in d])["f1"]
        for d in draws
    ]
    assert se == pytest.approx(np.std(gains, ddof=1), rel=1e-9)
    assert se > 0


def test_whole_word_masking_checkpoints_are_refused():
    """Brief trap: a WWM checkpoint saw word boundaries in pre-training, so its segmentation is not unsupervised."""
    with pytest.raises(ValueError, match="whole-word"):
        pm.load_encoder({"model": "hfl/chinese-bert-wwm-ext"})
    full = kexue_config.resolve(ROOT, {"tier": "full"})["perturbed_masking"]
    assert full["model"]["model"] == "bert-base-chinese"  # Google's original, character-level masking


@pytest.mark.parametrize("tier", ["default", "smoke", "full"])
def test_exactly_one_model_per_tier_and_the_proxy_split(tier):
    """One model per tier (default: the proxy; smoke: the stand-in; full: the hub), the article threshold only
    where the model is the article's (or its stand-in), and the held-out lines are the proxy's unseen ones."""
    settings = kexue_config.resolve(ROOT, {"tier": tier})
    kexue_config.validate(ROOT, settings)
    model = settings["perturbed_masking"]["model"]
    chosen = [k for k in ("proxy", "model", "random_bert") if model.get(k)]
    assert chosen == {"default": ["proxy"], "smoke": ["random_bert"], "full": ["model"]}[tier]
    assert (settings["perturbed_masking"]["article_threshold"] is None) == (tier == "default")
    if model.get("proxy"):  # every scored sentence fits the proxy's positions
        assert settings["perturbed_masking"]["data"]["max_chars"] + 2 <= settings["zh_bert"]["model"]["max_length"]
    else:
        assert settings["perturbed_masking"]["data"]["max_chars"] == (60 if tier == "full" else 30)


def test_first_characters_cuts_a_segmentation():
    words = ["九寨沟", "国家级", "自然", "保护", "区"]
    assert pm.first_characters(words, 7) == ["九寨沟", "国家级", "自"]
    assert pm.first_characters(words, 6) == ["九寨沟", "国家级"]
    assert pm.first_characters(words, 50) == words


def test_gold_text_drops_tags_and_brackets_and_keeps_full_width_digits_on_both_sides(tmp_path):
    """Brief trap: bracketed named-entity groups and full-width digits. The reader drops tags and brackets;
    gold and prediction segment the same characters, and the model reads a full-width digit's half-width form."""
    from kexue.sources import read_peoples_daily

    path = tmp_path / "199801.txt"
    path.write_text("19980101-01-001-001/m  [中国/ns  政府/n]nt  于/p  １９９８年/t  成立/v  。/w\n", encoding="utf-8")
    (line,) = read_peoples_daily(path)
    assert line == ["19980101-01-001-001", "中国", "政府", "于", "１９９８年", "成立", "。"]
    sentence = pm.gold_sentences([line[1:]], 2, 60)[0]
    text = "".join(sentence)
    assert "[" not in text and "/" not in text and "]" not in text
    predicted = pm.segment(text, np.zeros(len(text) - 1), 1.0)  # every character alone
    assert seg.score([sentence], [predicted])["gold_words"] == 6  # same text on both sides: the scorer accepts it


def test_the_proxy_path_loads_a_zh_bert_checkpoint_body(tmp_path):
    """The default tier's path: kexue.zh_bert's checkpoint (MLM + NSP heads) → its BERT body; the impact
    reads the body's last layer, as the article's H(x) (no MLM head)."""
    from kexue import zh_bert

    vocab = zh_bert.build_vocab([TEXT, "1998年"], min_count=1)
    tokenizer = zh_bert.make_tokenizer(vocab, tmp_path)
    model = zh_bert.build_model(len(vocab), layers=1, hidden=16, heads=2, max_length=24, dropout=0.0, seed=0)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    tok, encoder = pm.load_encoder({"proxy": True}, tmp_path)
    assert type(encoder).__name__ == "BertModel" and not encoder.training
    ids = pm.char_ids(tok, TEXT[:8])
    assert tok.unk_token_id not in ids and len(ids) == 8
    forward, backward, _ = pm.adjacent_impact(encoder, tok, ids)
    assert forward.shape == backward.shape == (7,) and (forward > 0).all()
    # the mechanism check: the MLM head's prediction at each singly masked position, from the same pass
    _, mlm = pm.load_masked_lm({"proxy": True}, tmp_path)
    *_, predicted = pm.adjacent_impact(mlm.bert, tok, ids, head=mlm.cls.predictions)
    for i in (0, 3, 7):
        masked = pm.with_specials(ids, tok)
        masked[i + 1] = tok.mask_token_id
        with torch.no_grad():
            logits = mlm(input_ids=masked[None]).prediction_logits[0, i + 1]
        assert predicted[i] == int(logits.argmax())
    with pytest.raises(ValueError, match="at most 22"):  # 24 positions: [CLS] + 22 characters + [SEP]
        pm.adjacent_impact(encoder, tok, pm.char_ids(tok, TEXT + TEXT))


def claim(name):
    claims = kexue_config.load_claims(ROOT, "perturbed_masking")["claims"]
    return next(c for c in claims if c["id"] == f"perturbed_masking.{name}")


def metrics(**change):
    m = {
        "stand_in": False,
        "gain_over_single": 0.2,
        "gain_over_pmi": 0.05,
        "gain_over_single_se": 0.01,
        "gain_over_pmi_se": 0.01,
        "test": {"impact": {"f1": 0.7}},
        "impact_choice": {"best": 0.5, "grid": [0.1, 0.5, 0.9]},
        "pmi_choice": {"best": 2.0, "grid": [0.0, 2.0, 4.0]},
        "demos": {"min_agreement_tuned": 0.8},
        "model_check": {"context_ratio": 5.0},
    }
    return m | change


def test_segmentation_rule_and_guards():
    c = claim("segmentation")
    assert decide(c, metrics())["verdict"] == "reproduced"
    assert decide(c, metrics(gain_over_pmi=-0.05))["verdict"] == "partially"
    assert decide(c, metrics(gain_over_single=0.03, gain_over_pmi=-0.1))["verdict"] == "not_reproduced"
    assert decide(c, metrics(gain_over_pmi=-0.01))["verdict"] == "inconclusive"  # within 2 standard errors
    for change in (
        {"stand_in": True},
        {"impact_choice": {"best": 0.9, "grid": [0.1, 0.5, 0.9]}},
        {"pmi_choice": {"best": 0.0, "grid": [0.0, 2.0, 4.0]}},
        {"gain_over_pmi_se": 0.03},  # gain 0.05 within 2 standard errors
        {"gain_over_single_se": 0.2},
        {"model_check": {"context_ratio": 1.5}},  # an MLM that has not learned context
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


def test_the_full_tier_path_loads_a_model_by_name_with_its_mlm_head(tmp_path):
    """The full tier names a transformers model (bert-base-chinese on the hub); a local folder of the same form
    runs that branch offline: the body for H(x), the MLM head for the mechanism check."""
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(TEXT))]
    folder = build_random_bert(tmp_path, vocab, hidden_size=16, layers=1, heads=2, seed=0)
    tok, mlm = pm.load_masked_lm({"model": str(folder)}, network=False)
    ids = pm.char_ids(tok, TEXT[:6])
    forward, _, predicted = pm.adjacent_impact(mlm.bert, tok, ids, head=mlm.cls.predictions)
    assert forward.shape == (5,) and predicted.shape == (6,)
    assert all(0 <= q < len(vocab) for q in predicted)
