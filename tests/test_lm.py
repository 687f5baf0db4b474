"""Tests for kexue.lm: vocabulary and encoding, training and evaluation batches, the Transformer
(causality, initial loss, weight tying, learning) and the weight-decay parameter groups."""

import math
from itertools import islice

import pytest
import torch

from kexue.lm import TinyLM, batches, build_vocab, encode_corpus, eval_batches, evaluate, parameter_groups

TEXT = " the cat sat \n the dog sat on the cat \n a dog \n\n"  # PTB-like: leading spaces, trailing blank line


def tiny_model(vocab_size=50, context=16, seed=0, **kwargs):
    torch.manual_seed(seed)
    return TinyLM(
        vocab_size,
        context,
        d_model=kwargs.pop("d_model", 32),
        n_layer=kwargs.pop("n_layer", 2),
        n_head=kwargs.pop("n_head", 4),
        **kwargs,
    )


# --------------------------------------------------------------------------- vocabulary and encoding


def test_vocab_order_frequency_then_alphabetical():
    # counts: the 3, <eos> 3, cat 2, dog 2, sat 2, a 1, on 1
    assert build_vocab(TEXT) == ["<eos>", "the", "cat", "dog", "sat", "a", "on"]


def test_encoding_round_trip_and_eos_placement():
    vocab = build_vocab(TEXT)
    ids = encode_corpus(TEXT, vocab)
    assert ids.dtype == torch.long and ids.dim() == 1
    words = [vocab[i] for i in ids.tolist()]
    assert words == "the cat sat <eos> the dog sat on the cat <eos> a dog <eos>".split()
    # token lists give the same ids as the text
    assert torch.equal(encode_corpus([line.split() for line in TEXT.splitlines()], vocab), ids)


def test_unknown_word_raises():
    vocab = build_vocab(TEXT)
    with pytest.raises(KeyError, match="not in the vocabulary.*'zebra'"):
        encode_corpus("the zebra sat\n", vocab)
    with pytest.raises(ValueError, match="<eos>"):
        encode_corpus("the cat\n", ["the", "cat"])


# --------------------------------------------------------------------------- batches


def test_batches_shape_shift_and_determinism():
    ids = torch.arange(1000)  # id = position, so a window is identified by its first entry
    stream = batches(ids, batch_size=8, context=12, generator=torch.Generator().manual_seed(3))
    x, y = next(stream)
    assert x.shape == y.shape == (8, 12) and x.dtype == y.dtype == torch.long
    assert torch.equal(y, x + 1)  # y is x shifted by one token
    assert torch.equal(x, x[:, :1] + torch.arange(12))  # contiguous windows

    def first_three(seed):
        return [x for x, _ in islice(batches(ids, 8, 12, torch.Generator().manual_seed(seed)), 3)]

    same, again, other = first_three(3), first_three(3), first_three(4)
    assert torch.equal(same[0], x)
    assert all(torch.equal(a, b) for a, b in zip(same, again, strict=True))  # equal generators, equal streams
    assert not torch.equal(same[1], same[0])  # the stream moves on
    assert not torch.equal(other[0], x)


def test_batches_reach_the_last_target():
    ids = torch.arange(20)
    seen = torch.cat([y.flatten() for _, y in islice(batches(ids, 64, 5, torch.Generator().manual_seed(0)), 20)])
    assert int(seen.max()) == 19 and int(seen.min()) >= 1


@pytest.mark.parametrize("n_tokens", [101, 97, 2])
def test_eval_batches_cover_every_target_once(n_tokens):
    ids = torch.arange(n_tokens)
    pairs = list(eval_batches(ids, batch_size=3, context=8))
    assert all(torch.equal(y, x + 1) for x, y in pairs)
    assert all(x.shape[0] <= 3 and x.shape[1] <= 8 for x, _ in pairs)
    targets = torch.cat([y.flatten() for _, y in pairs])
    assert torch.equal(targets, ids[1:])  # in order, each exactly once


# --------------------------------------------------------------------------- model


def test_forward_shapes_and_causal_masking():
    model = tiny_model().eval()
    x = torch.randint(0, 50, (2, 16), generator=torch.Generator().manual_seed(0))
    logits, loss = model(x)
    assert logits.shape == (2, 16, 50) and loss is None
    changed = x.clone()
    changed[:, 10] = (changed[:, 10] + 1) % 50
    logits2, _ = model(changed)
    assert torch.allclose(logits[:, :10], logits2[:, :10], atol=1e-6)  # the past ignores the future
    assert not torch.allclose(logits[:, 10:], logits2[:, 10:], atol=1e-4)
    with pytest.raises(ValueError, match="exceeds"):
        model(torch.zeros(1, 17, dtype=torch.long))


def test_initial_loss_near_log_vocab():
    V = 1000
    model = tiny_model(vocab_size=V, context=32)
    x = torch.randint(0, V, (8, 32), generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, V, (8, 32), generator=torch.Generator().manual_seed(2))
    _, loss = model(x, y)
    assert abs(loss.item() - math.log(V)) < 0.1


def test_weight_tying_and_gpt2_init():
    model = tiny_model(vocab_size=200, n_layer=3)
    assert model.head.weight is model.tok.weight
    assert model.tok.weight.std().item() == pytest.approx(0.02, rel=0.1)
    assert model.blocks[0].out.weight.std().item() == pytest.approx(0.02 / math.sqrt(6), rel=0.1)
    assert all(torch.all(b.qkv.bias == 0) for b in model.blocks)
    n_unique = sum(p.numel() for p in model.parameters())
    assert n_unique == sum(p.numel() for n, p in model.named_parameters() if not n.startswith("head"))


def test_adamw_learns_a_repeated_corpus():
    vocab = build_vocab(TEXT)
    ids = encode_corpus(TEXT * 20, vocab)
    model = tiny_model(vocab_size=len(vocab), context=8)
    optimizer = torch.optim.AdamW(parameter_groups(model, 0.01), lr=3e-3)
    stream = batches(ids, 16, 8, torch.Generator().manual_seed(0))
    before = evaluate(model, ids, 16, 8)
    for x, y in islice(stream, 60):
        _, loss = model(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = evaluate(model, ids, 16, 8)
    assert after < 0.5 * before  # about 2.0 → 0.3 nats


def test_evaluate_restores_mode_and_weights_tail():
    model = tiny_model().train()
    ids = torch.randint(0, 50, (37,), generator=torch.Generator().manual_seed(0))
    value = evaluate(model, ids, batch_size=2, context=16)
    assert model.training
    model.eval()
    # by hand: token-weighted mean over windows [0,16), [16,32), [32,36)
    losses = []
    with torch.no_grad():
        for s, e in [(0, 16), (16, 32), (32, 36)]:
            logits, _ = model(ids[s:e].view(1, -1))
            losses.append(torch.nn.functional.cross_entropy(logits[0], ids[s + 1 : e + 1], reduction="sum"))
    assert value == pytest.approx(float(sum(losses)) / 36, rel=1e-5)


def test_parameter_groups_cover_each_parameter_once():
    model = tiny_model()
    decay, no_decay = parameter_groups(model, 0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    grouped = [id(p) for g in (decay, no_decay) for p in g["params"]]
    assert sorted(grouped) == sorted(id(p) for p in model.parameters())
    assert len(grouped) == len(set(grouped))
    assert all(p.dim() >= 2 for p in decay["params"]) and all(p.dim() < 2 for p in no_decay["params"])
    assert any(p is model.tok.weight for p in decay["params"])
    assert any(p is model.ln_f.weight for p in no_decay["params"])
