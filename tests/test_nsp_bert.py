"""Tests for kexue.nsp_bert: the NSP and cloze scores against direct computations with the model, the brief's
traps (NSP index 0 = IsNext, a checkpoint without its heads refused, held-out reviews never pretrained on), and the
registry's rules on the values the summary writes."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from scipy import stats

from kexue import nsp_bert, zh_bert
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "这本书写得很好，推荐大家看。",
    "房间很干净，服务也很好。",
    "东西很差，不会再买了。",
    "质量不错 物流很快",
    "This is a good movie, I liked it.",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(tokenizer, model): a random BertForPreTraining with a char vocabulary of TEXTS, saved and reloaded the way
    the pipeline reads a stand-in."""
    folder = tmp_path_factory.mktemp("tiny")
    vocab = zh_bert.build_vocab(TEXTS + ["满意差评好评这次买的一篇新闻"], min_count=1)
    tokenizer = zh_bert.make_tokenizer(vocab, folder)
    nsp_bert.build_random_bert(tokenizer, folder, hidden=16, layers=1, heads=2, max_length=40, seed=0)
    return zh_bert.load_checkpoint({"random_bert": {}}, folder)


# --------------------------------------------------------------------------- inputs


def test_pair_ids_is_berts_own_pair_encoding(tiny):
    tokenizer, _ = tiny
    a, b = "房间很干净，", "服务也很好。"
    ids, types = nsp_bert.pair_ids(
        tokenizer, tokenizer.encode(a, add_special_tokens=False), tokenizer.encode(b, add_special_tokens=False)
    )
    enc = tokenizer(a, b)
    assert ids == enc["input_ids"] and types == enc["token_type_ids"]


def test_the_text_keeps_the_part_next_to_the_prompt():
    text, prompt = list(range(10)), [99]
    assert nsp_bert.nsp_inputs(text, prompt, "text_prompt", 4) == ([6, 7, 8, 9], [99])  # A keeps its end
    assert nsp_bert.nsp_inputs(text, prompt, "prompt_text", 4) == ([99], [0, 1, 2, 3])  # B keeps its start
    with pytest.raises(ValueError, match="unknown order"):
        nsp_bert.nsp_inputs(text, prompt, "sideways", 4)


def test_text_budget_respects_the_model_positions(tiny):
    _, model = tiny  # 40 positions
    assert nsp_bert.text_budget(model, 30, other_tokens=10, specials=3) == 27
    assert nsp_bert.text_budget(model, 5, other_tokens=10, specials=3) == 5
    with pytest.raises(ValueError, match="no room"):
        nsp_bert.text_budget(model, 30, other_tokens=38, specials=3)


# --------------------------------------------------------------------------- scores against direct computations


@torch.no_grad()
def test_nsp_scores_are_log_p_is_next_of_each_pair(tiny):
    tokenizer, model = tiny
    prompts = ["差评", "这次买的东西很好"]
    got = nsp_bert.nsp_scores(tokenizer, model, TEXTS[:4], prompts, "text_prompt", 30, batch_size=3)
    for i, text in enumerate(TEXTS[:4]):
        for j, prompt in enumerate(prompts):
            enc = tokenizer(text, prompt, return_tensors="pt")  # one pair alone: no padding
            logits = model(**enc).seq_relationship_logits[0]
            assert got[i, j] == pytest.approx(float(logits.log_softmax(-1)[0]), abs=1e-5)


@torch.no_grad()
def test_nsp_scores_prompt_first_order(tiny):
    tokenizer, model = tiny
    got = nsp_bert.nsp_scores(tokenizer, model, TEXTS[:2], ["好评"], "prompt_text", 30, batch_size=8)
    for i, text in enumerate(TEXTS[:2]):
        logits = model(**tokenizer("好评", text, return_tensors="pt")).seq_relationship_logits[0]
        assert got[i, 0] == pytest.approx(float(logits.log_softmax(-1)[0]), abs=1e-5)


@torch.no_grad()
def test_index_zero_is_is_next(tiny):
    """The trap: BERT's NSP logit 0 is IsNext. A head biased towards logit 0 must give P(IsNext) ≈ 1."""
    tokenizer, model = tiny
    head = model.cls.seq_relationship
    saved = head.weight.clone(), head.bias.clone()
    try:
        head.weight.zero_()
        head.bias.copy_(torch.tensor([8.0, 0.0]))
        check = nsp_bert.nsp_check(tokenizer, model, TEXTS * 2, 10, 30, 4, seed=0)
        assert check["mean_p_is_next_true"] > 0.99 and check["mean_p_is_next_random"] > 0.99
        assert check["accuracy"] == pytest.approx(0.5)  # everything called IsNext: half right
        head.bias.copy_(torch.tensor([0.0, 8.0]))
        score = nsp_bert.nsp_scores(tokenizer, model, TEXTS[:1], ["好评"], "text_prompt", 30, 4)
        assert score[0, 0] == pytest.approx(math.log(1 / (1 + math.exp(8.0))), abs=1e-4)
    finally:
        head.weight.copy_(saved[0])
        head.bias.copy_(saved[1])


@torch.no_grad()
def test_cloze_scores_are_the_mean_log_probability_of_the_word(tiny):
    tokenizer, model = tiny
    words = ["不", "满意", "好"]  # one- and two-token words: two forward passes
    got = nsp_bert.cloze_scores(tokenizer, model, TEXTS[:3], "{mask}，{text}", words, 30, batch_size=2)
    mask = tokenizer.mask_token
    for i, text in enumerate(TEXTS[:3]):
        for j, word in enumerate(words):
            k = len(tokenizer.tokenize(word))
            enc = tokenizer(mask * k + "，" + text, return_tensors="pt")
            log_p = model(**enc).prediction_logits[0].log_softmax(-1)
            slots = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten()
            ids = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word))
            expected = float(np.mean([log_p[s, t].item() for s, t in zip(slots, ids, strict=True)]))
            assert got[i, j] == pytest.approx(expected, abs=1e-5)


def test_cloze_refuses_bad_patterns_and_unknown_words(tiny):
    tokenizer, model = tiny
    with pytest.raises(ValueError, match="one \\{mask\\}"):
        nsp_bert.cloze_scores(tokenizer, model, TEXTS[:1], "{text}", ["好"], 30, 2)
    with pytest.raises(ValueError, match="not spelled"):
        nsp_bert.cloze_scores(tokenizer, model, TEXTS[:1], "{mask}{text}", ["好", "鼹"], 30, 2)


# --------------------------------------------------------------------------- loading (trap: heads must load)


def test_a_checkpoint_without_its_heads_is_refused(tmp_path, tiny):
    from transformers import BertModel

    tokenizer, model = tiny
    BertModel(model.config).save_pretrained(str(tmp_path))  # encoder only: no MLM, no NSP head
    tokenizer.save_pretrained(str(tmp_path))
    with pytest.raises(ValueError, match="head did not load"):
        zh_bert.load_checkpoint({"random_bert": {}}, tmp_path)


# --------------------------------------------------------------------------- the NSP check's pairs


def test_continuation_pairs_pair_own_and_other_halves():
    texts = [f"第{i}句开头，第{i}句结尾。" for i in range(8)] + ["one two three four"]
    a, b, labels = nsp_bert.continuation_pairs(texts, seed=3)
    assert len(a) == 9 and labels.tolist() == [0, 1] * 4 + [0]
    firsts = {x: t for t in texts for x in [nsp_bert.halves(t)[0]]}
    for x, y, label in zip(a, b, labels, strict=True):
        own = firsts[x][len(x) :]
        assert (y == own) == (label == 0)
    assert nsp_bert.halves("one two three four") == ("one two ", "three four")  # English: between words
    assert nsp_bert.halves("一句话") is None


# --------------------------------------------------------------------------- statistics


def test_binomial_p_is_the_upper_tail():
    expected = sum(stats.binom.pmf(k, 100, 0.5) for k in range(60, 101))
    assert nsp_bert.binomial_p(60, 100, 0.5) == pytest.approx(expected)
    assert nsp_bert.binomial_p(600, 1000, 0.5) < 0.01 < nsp_bert.binomial_p(52, 100, 0.5)


def test_accuracy_chance_and_monotonicity():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert nsp_bert.accuracy(scores, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert nsp_bert.chance_rate(np.array([0, 0, 1, 2]), 3) == 0.5  # majority rate, not 1/3
    assert nsp_bert.non_decreasing([0.5, 0.5, 0.7]) and not nsp_bert.non_decreasing([0.5, 0.7, 0.6])


# --------------------------------------------------------------------------- tasks


def test_held_out_reviews_were_never_pretrained_on():
    """The proxy's zero-shot texts are the zh_bert split's test reviews, outside its pretraining text."""
    rng = np.random.default_rng(0)
    reviews = {
        name: [f"{name}{i}号评论，{'很好' if name == 'pos' else '很差'}。" for i in rng.permutation(60)]
        for name in ("pos", "neg")
    }
    texts, labels = nsp_bert.held_out_reviews(reviews, ["negative", "positive"], test_per_class=10, seed=0)
    assert len(texts) == 20 and np.bincount(labels).tolist() == [10, 10]
    assert all(("pos" in t) == (y == 1) for t, y in zip(texts, labels, strict=True))
    data = {"review_test_per_class": 10, "review_seed": 0, "peoples_daily_train_fraction": 0.5, "valid_docs": 8}
    seen = zh_bert.pretraining_texts(reviews, [["人民", "日报"]] * 4, data)
    pretrained = {t for part in seen.values() for docs in part.values() for t in docs}
    assert not set(texts) & pretrained
    with pytest.raises(ValueError, match="negative and positive"):
        nsp_bert.held_out_reviews(reviews, ["bad", "good"], 10, 0)


def test_json_lines_task_and_unknown_labels(tmp_path):
    path = tmp_path / "test_public.json"
    path.write_text(
        '{"sentence": "好", "label": "Positive"}\n{"sentence": "差", "label": "Negative"}\n', encoding="utf-8"
    )
    texts, ids = nsp_bert.read_json_lines_task(str(path), "sentence", "label", ["Negative", "Positive"])
    assert texts == ["好", "差"] and ids.tolist() == [1, 0]
    with pytest.raises(ValueError, match="not among the configured"):
        nsp_bert.read_json_lines_task(str(path), "sentence", "label", ["neg", "pos"])
    kept, kept_ids = nsp_bert.draw(list("abcdef"), np.arange(6), 3, seed=0)
    assert len(kept) == 3 and [list("abcdef").index(t) for t in kept] == kept_ids.tolist() == sorted(kept_ids)


# --------------------------------------------------------------------------- the registry's rules on summary values


def claims():
    return {c["id"]: c for c in yaml.safe_load((ROOT / "config/articles/nsp_bert/claims.yaml").read_text())["claims"]}


def proxy_metrics(accuracy: float, p: float, seeds: int, check: float) -> dict:
    variants = {v: {"min_accuracy": accuracy, "max_p_value": p} for v in ("P1", "P2", "P3")}
    return {"proxy": {**variants, "pretraining_seeds": seeds, "min_nsp_check_accuracy": check, "accuracy": {}}}


def test_proxy_mechanism_rule():
    claim = claims()["nsp_bert.proxy_mechanism"]
    assert decide(claim, proxy_metrics(0.7, 1e-9, 3, 0.8))["verdict"] == "reproduced"
    assert decide(claim, proxy_metrics(0.52, 0.04, 3, 0.8))["verdict"] == "not_reproduced"
    one_seed = decide(claim, proxy_metrics(0.7, 1e-9, 1, 0.8))
    assert one_seed["verdict"] == "inconclusive" and "3 pretraining seeds" in one_seed["evidence"]
    assert decide(claim, proxy_metrics(0.7, 1e-9, 3, 0.5))["verdict"] == "inconclusive"  # the head learnt no NSP


def zero_shot_metrics(**overrides) -> dict:
    values = {
        "min_excess_over_chance": 0.2,
        "max_p_value": 1e-6,
        "nsp_beats_pet_fraction": 0.75,
        "min_nsp_check_accuracy": 0.9,
        "stand_in": False,
        "accuracy": {},
    }
    return {"zero_shot": values | overrides}


def test_zero_shot_rule_and_its_voids():
    claim = claims()["nsp_bert.zero_shot"]
    assert decide(claim, zero_shot_metrics())["verdict"] == "reproduced"
    assert decide(claim, zero_shot_metrics(nsp_beats_pet_fraction=0.25))["verdict"] == "partially"
    assert decide(claim, zero_shot_metrics(stand_in=True))["verdict"] == "inconclusive"
    assert decide(claim, zero_shot_metrics(min_nsp_check_accuracy=0.5))["verdict"] == "inconclusive"
    absent = decide(claim, {"proxy": {}})
    assert absent["verdict"] == "inconclusive" and absent["ours"] == "not evaluated"


def test_model_size_rule():
    claim = claims()["nsp_bert.model_size"]
    ladder = {"non_decreasing_tasks": 2, "tasks": 3, "stand_in": False, "accuracy": {}}
    assert decide(claim, {"model_size": ladder})["verdict"] == "reproduced"
    assert decide(claim, {"model_size": ladder | {"non_decreasing_tasks": 1}})["verdict"] == "not_reproduced"
    assert decide(claim, {"model_size": ladder | {"tasks": 2}})["verdict"] == "inconclusive"
    assert decide(claim, {"model_size": ladder | {"stand_in": True}})["verdict"] == "inconclusive"


def test_committed_summary_holds_what_the_rules_and_guards_read():
    """The default tier's summary carries every key of the proxy's rule and guards, per prompt variant."""
    import json

    summary = json.loads((ROOT / "results/nsp_bert/metrics/summary.json").read_text())
    proxy = summary["proxy"]
    for variant in ("P1", "P2", "P3"):
        assert len(proxy[variant]["accuracy"]) == proxy["pretraining_seeds"] == len(proxy["pretraining_seed_list"])
        assert proxy[variant]["min_accuracy"] == min(proxy[variant]["accuracy"])
    assert 0 <= proxy["min_nsp_check_accuracy"] <= 1
    assert "zero_shot" not in summary and "model_size" not in summary  # not evaluated on the default tier


def test_full_tier_plans_the_hub_checkpoints():
    """The full tier's code path dry-runs with the hub names (its runs need the network)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "nsp_bert",
            "--config",
            "tier=full",
            "--quiet",
            "rules",
            "--forceall",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    plan = result.stdout + result.stderr
    assert "nsp_bert_zero_shot" in plan and "nsp_bert_task" in plan
    summary = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "nsp_bert", "--config", "tier=full", "--summary", "--forceall"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for model in ("bert-base-chinese", "bert-base-uncased", "bert-tiny", "bert-medium"):
        assert f"results-full/nsp_bert/metrics/zero_shot_{model}.json" in summary
    for task in ("eprstmt", "tnews", "agnews", "imdb", "dbpedia"):
        assert f"work/full/nsp_bert/tasks/{task}.json" in summary
