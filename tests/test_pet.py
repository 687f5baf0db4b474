"""PET (kexue.pet): the patterns and verbaliser of the article, cloze scores against an independent forward pass,
the brief's traps (verbaliser characters as single tokens, a missing or untrained MLM head), PET's training batch
(the slot supervised, the rest randomly masked), a PET run that learns, the claims' numbers (summary) as the
registry decides them on each tier, the article's numbers in the registry against the brief, and the article's
data reader."""

import io
import math
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from kexue import config as kexue_config
from kexue import pet, zh_bert
from kexue.sources import read_bert4keras_sentiment
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "config" / "articles" / "pet"
BRIEF = ROOT / ".." / "shared" / "articles" / "pet_7764.md"
VERBALISER = {"positive": "很", "negative": "不"}
P1, P2 = "[MASK]满意。{text}", "{text}[MASK]满意。"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    texts = ["我很满意，不错。", "房间很好，服务不好。", "中华人民共和国", "好好好", "差差差", "理想感觉如何？"]
    return zh_bert.make_tokenizer(zh_bert.build_vocab(texts, min_count=1), tmp_path_factory.mktemp("vocab"))


def tiny_bert(tokenizer, seed=0):
    return pet.random_bert(tokenizer, {"hidden": 32, "layers": 2, "heads": 2, "seed": seed}).eval()


# --------------------------------------------------------------------------- patterns and scoring


def test_config_holds_the_articles_five_patterns_and_verbaliser():
    settings = yaml.safe_load((FOLDER / "config.yaml").read_text())
    article = {"P1": "__满意。", "P2": "__满意。", "P3": "__好。", "P4": "__理想。", "P5": "感觉如何？__满意。"}
    for name, pattern in settings["patterns"].items():
        cloze = pattern.replace("[MASK]", "__")
        assert cloze.replace("{text}", "") == article[name], name
        assert cloze.startswith("{text}") == (name == "P2"), name  # P2 alone is a suffix pattern
    assert settings["verbaliser"] == VERBALISER and settings["main_pattern"] == "P1"


def test_apply_pattern_cuts_the_text_never_the_slot():
    long = "很" * 100
    assert pet.apply_pattern(P2, long, 10) == "很" * 10 + "[MASK]满意。"
    assert pet.apply_pattern(P1, "好", 10) == "[MASK]满意。好"
    for bad in ("满意。{text}", "[MASK][MASK]{text}", "[MASK]满意。"):
        with pytest.raises(ValueError, match="one"):
            pet.apply_pattern(bad, "x", 5)


def test_verbaliser_must_be_single_tokens(tokenizer):
    ids = pet.verbaliser_ids(tokenizer, VERBALISER)
    assert tokenizer.convert_ids_to_tokens([ids["positive"], ids["negative"]]) == ["很", "不"]
    with pytest.raises(ValueError, match="not one token"):
        pet.verbaliser_ids(tokenizer, {"positive": "满意", "negative": "不"})  # two characters: two tokens
    with pytest.raises(ValueError, match="not one token"):
        pet.verbaliser_ids(tokenizer, {"positive": "棒", "negative": "不"})  # not in the vocabulary


def test_cloze_scores_equal_log_odds_of_an_independent_forward_pass(tokenizer):
    model = tiny_bert(tokenizer)
    texts = ["我很满意", "服务不好，房间也差", "好"]
    scores = pet.cloze_scores(tokenizer, model, texts, P2, VERBALISER, 20, batch_size=2)
    pos, neg = tokenizer.convert_tokens_to_ids(["很", "不"])
    for text, score in zip(texts, scores, strict=True):
        enc = tokenizer(text + "[MASK]满意。", return_tensors="pt")  # one text, no padding, full head
        with torch.no_grad():
            log_p = model(**enc).logits[0].log_softmax(-1)
        at = int((enc["input_ids"][0] == tokenizer.mask_token_id).nonzero())
        assert score == pytest.approx(float(log_p[at, pos] - log_p[at, neg]), abs=1e-5)


def test_accuracy_and_binomial_p():
    assert pet.accuracy_percent(np.array([1.0, -2.0, 0.5, -0.1]), np.array([1, 0, 0, 0])) == 75.0
    assert pet.accuracy_percent(np.array([0.0]), np.array([1])) == 0.0  # a tie is "negative": p(很) > p(不) fails
    tail = sum(math.comb(20, k) for k in range(15, 21)) / 2**20  # P(X ≥ 15), X ~ Bin(20, 1/2)
    assert pet.binomial_p(15, 20) == pytest.approx(tail)
    assert pet.suffix_minus_prefix({"P1": 80, "P2": 60, "P3": 70, "P4": 90, "P5": 80}) == -20.0


# --------------------------------------------------------------------------- the MLM-head trap


def test_a_checkpoint_without_its_mlm_head_is_refused(tokenizer, tmp_path):
    from transformers import BertModel

    tiny_bert(tokenizer).bert.save_pretrained(tmp_path)  # the encoder alone: a checkpoint with no cls.* weights
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="BertForMaskedLM head did not load"):
        pet.load_mlm({"random_bert": {}}, tmp_path)
    assert BertModel.from_pretrained(tmp_path) is not None  # the folder itself is a valid checkpoint


def test_mlm_check_tells_a_trained_head_from_an_untrained_one(tokenizer):
    sentences = [{"text": "中华人民共和[MASK]", "answer": "国"}, {"text": "房间很[MASK]", "answer": "好"}]
    model = tiny_bert(tokenizer, seed=3)
    untrained = pet.mlm_check(tokenizer, model, sentences, top=1)
    # a head that has learnt the answers (here: its output bias on them) predicts them
    with torch.no_grad():
        model.cls.predictions.bias[tokenizer.convert_tokens_to_ids(["国", "好"])] += 100.0
    trained = pet.mlm_check(tokenizer, model, sentences, top=2)
    assert trained["hit_rate"] == 1.0 and all(r["hit"] for r in trained["sentences"])
    assert untrained["hit_rate"] < 1.0


# --------------------------------------------------------------------------- training


def test_mlm_batch_supervises_the_slot_and_masks_the_rest(tokenizer):
    examples = [("我很满意，不错", 1), ("服务不好", 0), ("房间很好，服务不好", None)]
    settings = {"mask_rate": 0.5, "max_chars": 20}
    enc, labels = pet.mlm_batch(tokenizer, examples, P1, VERBALISER, settings, torch.Generator().manual_seed(0))
    original = tokenizer([pet.apply_pattern(P1, t, 20) if y is not None else t for t, y in examples], padding=True)
    original = torch.tensor(original["input_ids"])
    pos, neg = tokenizer.convert_tokens_to_ids(["很", "不"])
    slot = original == tokenizer.mask_token_id
    assert slot.sum(1).tolist() == [1, 1, 0]  # the unlabelled text has no pattern
    assert labels[slot].tolist() == [pos, neg]
    assert (enc["input_ids"][slot] == tokenizer.mask_token_id).all()
    chosen = (labels != -100) & ~slot
    assert chosen.any() and (labels[chosen] == original[chosen]).all()  # other targets: the tokens themselves
    special = torch.isin(original, torch.tensor(tokenizer.all_special_ids))
    assert not (chosen & special).any()
    unchosen = (labels == -100) & ~slot
    assert (enc["input_ids"][unchosen] == original[unchosen]).all()


def test_mask_tokens_takes_another_vocabularys_mask_id():
    ids = torch.arange(200, 300).repeat(4, 1)
    special = torch.zeros_like(ids, dtype=torch.bool)
    inputs, labels = zh_bert.mask_tokens(ids, special, torch.Generator().manual_seed(0), 400, 200, 0.5, mask_id=103)
    chosen = labels != -100
    assert (inputs == 103).sum() > 0 and ((inputs == 103) <= chosen).all()
    assert (inputs[~chosen] == ids[~chosen]).all()


def test_pet_training_learns_the_verbaliser_of_two_toy_reviews(tokenizer):
    examples = [("好好好", 1), ("差差差", 0)]
    model = tiny_bert(tokenizer, seed=1)
    before = pet.cloze_scores(tokenizer, model, ["好好好", "差差差"], P1, VERBALISER, 10, 8)
    settings = {"steps": 60, "batch_size": 4, "lr": 3e-3, "mask_rate": 0.15, "max_chars": 10}
    curve = pet.train_mlm(tokenizer, model, examples, P1, VERBALISER, settings, seed=0, log=lambda m: None)
    after = pet.cloze_scores(tokenizer, model, ["好好好", "差差差"], P1, VERBALISER, 10, 8)
    assert len(curve) == 10 and curve[-1] < curve[0]
    assert after[0] > 0 > after[1], (before, after)


def test_labelled_subset_and_test_limit_are_balanced_and_seeded():
    train = [(f"好{i}", 1) for i in range(50)] + [(f"差{i}", 0) for i in range(70)]
    subset = pet.labelled_subset(train, 10, seed=4)
    assert sorted(y for _, y in subset) == [0] * 5 + [1] * 5
    assert subset == pet.labelled_subset(train, 10, seed=4) != pet.labelled_subset(train, 10, seed=5)
    limited = pet.limit_test(train, 6)
    assert [y for _, y in limited] == [1, 1, 1, 0, 0, 0]
    assert pet.limit_test(train, None) == train


def test_read_bert4keras_sentiment(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part, lines in {"train": "很好\t1\n不好\t0\n", "valid": "一般\t0\n", "test": "a\tb 很棒\t1\n"}.items():
            archive.writestr(f"sentiment/sentiment.{part}.data", lines)
    (tmp_path / "sentiment.zip").write_bytes(buffer.getvalue())
    data = read_bert4keras_sentiment(tmp_path)
    assert data == {"train": [("很好", 1), ("不好", 0)], "valid": [("一般", 0)], "test": [("a\tb 很棒", 1)]}


# --------------------------------------------------------------------------- the claims' numbers


def zero_shot(model, accuracy, proxy=False, stand_in=False, hit_rate=1.0):
    return {
        "model": model,
        "proxy": proxy,
        "stand_in": stand_in,
        "accuracy": dict(zip(["P1", "P2", "P3", "P4", "P5"], accuracy, strict=True)),
        "p_value": dict.fromkeys(["P1", "P2", "P3", "P4", "P5"], 1e-5),
        "mlm_check": {"hit_rate": hit_rate},
    }


def tuned(model, accuracy, seeds, proxy=False, stand_in=False, classifier=None):
    """A few-shot (or semi-supervised) metrics file: per-seed accuracies, optional [CLS] runs."""
    runs = [{"seed": s, "accuracy": dict(zip(["P1", "P2", "P3", "P4", "P5"], a, strict=True))} for s, a in seeds]
    out = {"model": model, "proxy": proxy, "stand_in": stand_in, "accuracy": accuracy, "runs": runs}
    out["patterns"] = list(runs[0]["accuracy"])
    if classifier is not None:
        out["classifier_runs"] = [{"seed": s, "accuracy": a} for s, a in classifier]
    return out


ARTICLE = {  # the article's test accuracies (%), as the full tier would find them
    "M1": [67.60, 56.13, 59.69, 83.33, 76.13],
    "M2": [84.27, 68.69, 59.12, 82.28, 81.62],
    "M3": [68.64, 50.97, 70.11, 81.48, 62.58],
    "M4": [85.08, 72.10, 77.03, 87.45, 83.56],
}
ROLES = {"base": "M3", "large": "M4"}


def claims():
    return {c["id"]: c for c in kexue_config.load_claims(ROOT, "pet")["claims"]}


def test_the_article_numbers_reproduce_the_article_claims():
    """The summary of the article's own numbers, decided by the registry: every article claim reproduced."""
    zs = {m: zero_shot(m, a) for m, a in ARTICLE.items()}
    continued = {
        "model": "M2",
        "proxy": False,
        "stand_in": False,
        "accuracy": zero_shot("M2", [87.53, 68.78, 81.24, 85.65, 87.40])["accuracy"],
    }
    seeds = [(s, [89.18 + d, 82.76, 89.05, 89.13, 88.75]) for s, d in ((0, -0.1), (1, 0.0), (2, 0.1))]
    few = tuned("M2", dict(zip(["P1", "P2", "P3", "P4", "P5"], seeds[1][1], strict=True)), seeds)
    few["classifier_runs"] = [{"seed": s, "accuracy": 88.93 + d} for s, d in ((0, -0.05), (1, 0.0), (2, 0.05))]
    semi_acc = [89.76, 79.35, 88.96, 89.54, 89.23]
    semi = tuned("M2", dict(zip(["P1", "P2", "P3", "P4", "P5"], semi_acc, strict=True)), [(0, semi_acc)])
    summary = pet.summary(zs, continued, few, semi, ROLES, "P1")
    assert summary["zero_shot"]["best"] == {"model": "M4", "pattern": "P4"}
    assert summary["zero_shot"]["worst_model_best"] == pytest.approx(81.48)
    assert summary["large_beats_base"]["patterns_won"] == 5
    assert summary["continued_mlm"]["min_gain"] == pytest.approx(68.78 - 68.69)
    assert summary["few_shot"]["differences"] == pytest.approx([0.20, 0.25, 0.30])
    assert summary["semi_supervised"]["won"] == ["P1", "P4", "P5"]  # P2 and P3: semi-supervised below few-shot
    assert summary["prefix_beats_suffix"]["failures"] == 0 and summary["prefix_beats_suffix"]["rows"] == 7
    registry = claims()
    for cid in ("zero_shot", "prefix_beats_suffix", "large_beats_base", "continued_mlm", "few_shot", "semi_supervised"):
        assert decide(registry[f"pet.{cid}"], summary)["verdict"] == "reproduced", cid
    for cid in ("proxy_mechanism", "proxy_prefix_beats_suffix", "proxy_few_shot"):  # no proxy on the full tier
        assert decide(registry[f"pet.{cid}"], summary)["ours"] == "not evaluated", cid


def test_the_proxy_alone_decides_only_the_proxy_claims():
    zs = {"proxy": zero_shot("proxy", [66.0, 58.0, 61.0, 63.0, 64.0], proxy=True)}
    seeds = [(s, [70.0 + s, 0, 0, 0, 0]) for s in range(3)]
    few = tuned("proxy", {"P1": 71.0}, [(s, a[:1] + [0] * 4) for s, a in seeds], proxy=True)
    for r in few["runs"]:
        r["accuracy"] = {"P1": r["accuracy"]["P1"]}
    few["classifier_runs"] = [{"seed": s, "accuracy": 60.0 + s} for s in range(3)]
    summary = pet.summary(zs, None, few, None, ROLES, "P1")
    assert set(summary) == {"stand_in", "proxy"} and summary["stand_in"] is False
    assert summary["proxy"]["suffix_minus_prefix"] == pytest.approx(58.0 - 63.5)
    assert summary["proxy"]["few_shot"]["differences"] == [10.0, 10.0, 10.0]
    registry = claims()
    for cid in ("zero_shot", "prefix_beats_suffix", "large_beats_base", "continued_mlm", "few_shot", "semi_supervised"):
        outcome = decide(registry[f"pet.{cid}"], summary)
        assert outcome["verdict"] == "inconclusive" and outcome["ours"] == "not evaluated", cid
    assert decide(registry["pet.proxy_mechanism"], summary)["verdict"] == "reproduced"
    assert decide(registry["pet.proxy_prefix_beats_suffix"], summary)["verdict"] == "reproduced"
    # three identical differences: a zero-width interval above −0.5
    assert decide(registry["pet.proxy_few_shot"], summary)["verdict"] == "reproduced"
    summary["proxy"]["accuracy"]["P1"] = 59.9
    assert decide(registry["pet.proxy_mechanism"], summary)["verdict"] == "partially"
    # a proxy whose MLM cannot fill plain masked characters cannot be asked the cloze: inconclusive, not a failure
    weak = pet.summary(
        {"proxy": zero_shot("proxy", [49.0] * 5, proxy=True, hit_rate=0.25)}, None, None, None, ROLES, "P1"
    )
    for cid in ("proxy_mechanism", "proxy_prefix_beats_suffix"):
        outcome = decide(registry[f"pet.{cid}"], weak)
        assert outcome["verdict"] == "inconclusive" and "precondition unmet (proxy.mlm_check" in outcome["evidence"], (
            cid
        )


def test_stand_ins_and_an_untrained_mlm_head_void_the_article_claims():
    zs = {m: zero_shot(m, a, stand_in=(m == "M2")) for m, a in ARTICLE.items()}
    summary = pet.summary(zs, None, None, None, ROLES, "P1")
    assert summary["stand_in"] is True
    outcome = decide(claims()["pet.zero_shot"], summary)
    assert outcome["verdict"] == "inconclusive" and "stand-in" in outcome["evidence"]
    zs = {m: zero_shot(m, a, hit_rate=0.0 if m == "M4" else 1.0) for m, a in ARTICLE.items()}
    summary = pet.summary(zs, None, None, None, ROLES, "P1")
    assert summary["zero_shot"]["mlm_check_min"] == 0.0
    outcome = decide(claims()["pet.large_beats_base"], summary)
    assert outcome["verdict"] == "inconclusive" and "MLM head is untrained" in outcome["evidence"]


def test_prefix_claim_fails_when_the_suffix_wins_one_row():
    zs = {m: zero_shot(m, a) for m, a in ARTICLE.items()}
    zs["M3"]["accuracy"]["P2"] = 80.0  # above M3's prefix mean (70.7)
    summary = pet.summary(zs, None, None, None, ROLES, "P1")
    assert summary["prefix_beats_suffix"]["failures"] == 1
    assert decide(claims()["pet.prefix_beats_suffix"], summary)["verdict"] == "not_reproduced"


def test_registry_holds_the_briefs_numbers():
    """The article's test accuracies in claims.yaml (parameters) are the brief's table's, cell by cell."""
    if not BRIEF.is_file():
        pytest.fail(f"the brief {BRIEF.name} is not beside the repository ({BRIEF.parent})")
    table = {}
    for line in BRIEF.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.match(r"M\d", cells[0]):
            table[cells[0]] = [float(c.split("/")[1]) for c in cells[1:]]
    rows = {
        "pet.zero_shot": {
            f"M{i}_P{j + 1}": v
            for i in range(1, 5)
            for j, v in enumerate(table[next(k for k in table if k.startswith(f"M{i} "))])
        },
        "pet.continued_mlm": {f"P{j + 1}": v for j, v in enumerate(table["M2 + in-domain MLM"])},
        "pet.semi_supervised": {f"P{j + 1}": v for j, v in enumerate(table["M2 + semi-supervised"])},
        "pet.few_shot": {f"P{j + 1}": v for j, v in enumerate(table["M2 + few-shot (≈ 200 labels)"])},
    }
    registry = claims()
    for cid, expected in rows.items():
        parameters = registry[cid]["parameters"]
        assert {k: parameters[k] for k in expected} == expected, cid
    assert registry["pet.few_shot"]["parameters"]["classifier"] == 88.93


def test_key_table_is_fresh():
    from kexue import docs

    assert FOLDER / "README.md" not in docs.stale(ROOT), "run python -m kexue.docs to regenerate the key table"
