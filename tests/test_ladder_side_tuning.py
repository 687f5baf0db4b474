"""Tests for kexue.ladder_side_tuning: where each method's gradient goes (the article's mechanism), the ladder's
wiring, the proxy tasks' construction, and that the registry's rules and guards read what the scripts write."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from kexue import config as kexue_config
from kexue import ladder_side_tuning as lst
from kexue.encoders import build_random_bert
from kexue.verdicts import decide

ROOT = Path(__file__).resolve().parents[1]
SIDE = {"width": 16, "layers": 2, "heads": 2, "ffn": 32}
SENTENCES = [
    "the company said it expects to report a loss for the quarter".split(),
    "the board will meet next week to discuss the offer from the group".split(),
    "prices rose sharply in the first half of the year".split(),
    "he said the plan would cut costs and raise the price of the stock".split(),
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = build_random_bert(tmp_path_factory.mktemp("bert"), hidden_size=16, layers=4, heads=2, seed=0)
    return lst.load_backbone(folder, dropout=0.0)


def fresh(tiny_folder_model, method, task):
    tokenizer, backbone = tiny_folder_model
    torch.manual_seed(0)
    return lst.Tuned(backbone, method, task, SIDE, adapter_dim=4, prompt_length=3)


def hard_batch(tokenizer, seed=0):
    return lst.encode(tokenizer, lst.hard_examples(SENTENCES, random.Random(seed)), "hard", 48)


# --------------------------------------------------------------------------- where the gradient goes


@pytest.mark.parametrize(
    "method, reaches_backbone", [("full", True), ("adapter", False), ("prompt", False), ("lst", False)]
)
def test_only_full_fine_tuning_leaves_gradients_on_backbone_weights(tiny, method, reaches_backbone):
    model = fresh(tiny, method, "hard")
    assert lst.backbone_gets_gradients(model, hard_batch(tiny[0])) is reaches_backbone
    for hook in model.hooks:
        hook.remove()


def test_lst_builds_no_graph_through_the_backbone(tiny):
    """The trap: LST's saving comes from running the backbone without autograd. Every backbone output it reads
    is a leaf without grad_fn, even though the side network's own output needs gradients."""
    model = fresh(tiny, "lst", "hard")
    batch = hard_batch(tiny[0])
    seen = []
    handle = model.backbone.register_forward_hook(lambda mod, args, out: seen.append(out.last_hidden_state))
    features = model.features(batch)
    handle.remove()
    assert features.requires_grad and seen and seen[0].grad_fn is None and not seen[0].requires_grad


def test_adapter_and_prompt_gradients_flow_through_the_whole_backbone(tiny):
    """Adapter: the first block's adapter gets a gradient, so backprop went through every block above it.
    Prompt: the input vectors get one, so it went down to the embeddings."""
    batch = hard_batch(tiny[0])
    adapter = fresh(tiny, "adapter", "hard")
    lst.loss_and_correct(adapter, batch)[0].backward()
    assert adapter.adapters[0].up.weight.grad.abs().sum() > 0  # W_up = 0 at init, so W_down gets none yet
    for hook in adapter.hooks:
        hook.remove()
    prompt = fresh(tiny, "prompt", "hard")
    lst.loss_and_correct(prompt, batch)[0].backward()
    assert prompt.prompt.grad is not None and prompt.prompt.grad.abs().sum() > 0


def test_adapters_start_as_the_identity(tiny):
    tokenizer, backbone = tiny
    batch = hard_batch(tokenizer)
    backbone.eval()
    plain = lst.Tuned(backbone, "full", "hard", SIDE, 4, 3).eval().features(batch)
    model = lst.Tuned(backbone, "adapter", "hard", SIDE, 4, 3).eval()
    with_adapters = model.features(batch)
    for hook in model.hooks:
        hook.remove()
    for p in backbone.parameters():
        p.requires_grad_(True)
    torch.testing.assert_close(with_adapters, plain)


def test_prompt_features_align_with_the_input_tokens(tiny):
    model = fresh(tiny, "prompt", "hard")
    batch = hard_batch(tiny[0])
    assert model.features(batch).shape[:2] == batch["input_ids"].shape


def test_trainable_parameter_counts(tiny):
    counts = {m: sum(p.numel() for p in fresh(tiny, m, "easy").trainable()) for m in lst.METHODS}
    backbone = sum(p.numel() for p in tiny[1].parameters())
    head = 16 * 2 + 2
    assert counts["full"] == backbone + head
    assert counts["prompt"] == 3 * 16 + head
    assert counts["adapter"] == 4 * (16 * 4 + 4 + 4 * 16 + 16) + head
    assert counts["lst"] < counts["full"]


# --------------------------------------------------------------------------- the ladder


def test_side_network_taps_every_s_th_backbone_layer():
    assert lst.SideNetwork(8, 6, 8, 3, 2, 16, 0.0).tapped_layers() == [0, 2, 4, 6]  # the default tier's ladder
    assert lst.SideNetwork(8, 12, 8, 4, 2, 16, 0.0).tapped_layers() == [0, 3, 6, 9, 12]  # the article's, s = 3
    with pytest.raises(ValueError, match="multiple"):
        lst.SideNetwork(8, 6, 8, 4, 2, 16, 0.0)


def test_side_network_reads_exactly_its_tapped_layers():
    torch.manual_seed(0)
    side = lst.SideNetwork(8, 4, 8, 2, 2, 16, 0.0).eval()
    hidden = [torch.randn(2, 5, 8) for _ in range(5)]
    mask = torch.ones(2, 5, dtype=torch.long)
    base = side(hidden, mask)
    for i in range(5):
        changed = list(hidden)
        changed[i] = changed[i] + 1.0
        moved = not torch.allclose(side(changed, mask), base)
        assert moved is (i in (0, 2, 4)), i


def test_side_network_projections_are_bias_free_and_small_at_init():
    side = lst.SideNetwork(8, 6, 64, 3, 4, 256, 0.0)
    assert side.inp.bias is None and all(t.bias is None for t in side.taps)
    std = 0.02 / 3**0.5
    assert side.inp.weight.abs().max() <= 2 * std + 1e-12


# --------------------------------------------------------------------------- the proxy tasks


def test_easy_examples_are_half_shuffled_permutations():
    examples = lst.easy_examples(SENTENCES * 5, random.Random(0))
    originals = {tuple(s) for s in SENTENCES}
    assert sum(e["label"] for e in examples) == 10
    for e in examples:
        assert (tuple(e["words"]) in originals) is (e["label"] == 0)
        assert any(sorted(e["words"]) == sorted(s) for s in SENTENCES)


def test_pointer_target_is_the_word_after_the_querys_first_occurrence(tiny):
    tokenizer = tiny[0]
    examples = lst.hard_examples(SENTENCES * 3, random.Random(1))
    batch = lst.encode(tokenizer, examples, "hard", 64)
    for row, e in enumerate(examples):
        k = e["words"].index(e["query"])
        assert e["label"] == k + 1
        # independent check: the target token is the first sub-token of words[k + 1]
        token = tokenizer.convert_ids_to_tokens(int(batch["input_ids"][row, batch["target"][row]]))
        assert token == tokenizer.tokenize(e["words"][k + 1])[0]
        assert batch["candidates"][row].sum() == len(e["words"])
        assert batch["candidates"][row, batch["target"][row]]


def test_a_pointer_cut_off_by_max_length_is_ignored(tiny):
    examples = [{"words": SENTENCES[1], "query": "offer", "label": SENTENCES[1].index("offer") + 1}]
    batch = lst.encode(tiny[0], examples, "hard", 8)
    assert int(batch["target"][0]) == -100


# --------------------------------------------------------------------------- what the claims read


def test_gaps_per_seed():
    accuracy = {"full": {"easy": [0.9, 0.8], "hard": [0.7, 0.6]}, "lst": {"easy": [0.85, 0.8], "hard": [0.4, 0.5]}}
    g = lst.gaps(accuracy)
    assert g["delta_easy"] == pytest.approx([5, 0])
    assert g["delta_hard"] == pytest.approx([30, 10])
    assert g["contrast"] == pytest.approx([25, 10])


def test_curve_chunks_are_chunk_means():
    assert lst.curve_chunks([1, 2, 3, 4, 5, 6], 3) == [1.5, 3.5, 5.5]
    assert lst.curve_chunks([4.0, 2.0], 10) == [4.0, 2.0]


def claim(slug_id):
    claims = kexue_config.load_claims(ROOT, "ladder_side_tuning")["claims"]
    return next(c for c in claims if c["id"] == f"ladder_side_tuning.{slug_id}")


def accuracy_metrics(**change):
    metrics = {
        "stand_in": False,
        "contrast": [12.0, 10.0, 14.0],
        "contrast_mean": 12.0,
        "full_easy_mean": 0.9,
        "full_hard_mean": 0.8,
        "full_hard_loss_curve": [3.0, 2.0, 1.0, 0.5, 0.45, 0.44, 0.44, 0.44, 0.44, 0.44],
    }
    return metrics | change


def test_accuracy_rule_and_each_of_its_guards():
    c = claim("easy_close_hard_drop")
    assert decide(c, accuracy_metrics())["verdict"] == "reproduced"
    assert decide(c, accuracy_metrics(contrast_mean=2.0, contrast=[2.0, 1.5, 2.5]))["verdict"] == "not_reproduced"
    for change in (
        {"stand_in": True},
        {"full_easy_mean": 0.6},
        {"full_hard_mean": 0.2},
        {"full_hard_loss_curve": [3.0, 2.5, 2.0, 1.5, 1.0]},
        {"contrast": [30.0, -10.0, 16.0]},
    ):
        assert decide(c, accuracy_metrics(**change))["verdict"] == "inconclusive", change


def speed_metrics(**change):
    metrics = {
        "stand_in": False,
        "lst_backbone_gradients": False,
        "ratio": {"full": 1.0, "adapter": 0.7, "prompt": 0.9, "lst": 0.35},
        "adapter_minus_lst": 0.35,
        "prompt_minus_lst": 0.55,
        "memory": {"adapter_minus_lst_mb": 40.0, "full_minus_adapter_mb": 200.0},
    }
    return metrics | change


def test_speed_rules_and_their_guards():
    speed, depth = claim("speed"), claim("backprop_depth")
    assert decide(speed, speed_metrics())["verdict"] == "reproduced"
    assert decide(depth, speed_metrics())["verdict"] == "reproduced"
    assert decide(speed, speed_metrics(ratio={"lst": 0.8}))["verdict"] == "not_reproduced"
    assert decide(speed, speed_metrics(lst_backbone_gradients=True))["verdict"] == "inconclusive"
    assert decide(depth, speed_metrics(stand_in=True))["verdict"] == "inconclusive"
    slow_memory = speed_metrics(memory={"adapter_minus_lst_mb": -5.0, "full_minus_adapter_mb": 200.0})
    assert decide(depth, slow_memory)["verdict"] == "partially"


def test_step_time_script_writes_what_the_speed_job_reads(tmp_path, tiny):
    """One method in a fresh process, as the speed job runs it: the keys speed.py reads, LST without backbone
    gradients, a peak RSS at least the RSS before the steps."""
    folder = build_random_bert(tmp_path / "bert", hidden_size=16, layers=2, heads=2, seed=0)
    tasks = {"train": {"hard": lst.hard_examples(SENTENCES, random.Random(0))}}
    (tmp_path / "tasks.json").write_text(json.dumps(tasks))
    settings = {
        "dropout": 0.1,
        "max_length": 48,
        "methods": {"full": {"lr": 1e-4}, "adapter": {"lr": 1e-3, "dim": 4}, "prompt": {"lr": 1e-2, "length": 3}},
        "task": "hard",
        "batch_size": 4,
        "steps": 3,
        "warmup": 1,
        "side": {"width": 16, "layers": 2, "heads": 2, "ffn": 32},
        "threads": 1,
    }
    settings["methods"]["lst"] = {"lr": 1e-3, **settings["side"]}
    (tmp_path / "settings.json").write_text(json.dumps(settings))
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "ladder_side_tuning" / "step_time.py"),
            "--method=lst",
            f"--backbone={folder}",
            f"--tasks={tmp_path / 'tasks.json'}",
            f"--settings={tmp_path / 'settings.json'}",
            f"--json={out}",
        ],
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    numbers = json.loads(out.read_text())
    assert numbers["backbone_gradients"] is False
    assert len(numbers["times_s"]) == 3 and numbers["median_s"] > 0
    assert numbers["peak_rss_mb"] >= numbers["rss_before_steps_mb"] > 0
    assert numbers["batch_shape"][0] == 4


def test_ptb_unk_becomes_the_tokenizers_unknown_token(tiny):
    tokenizer = tiny[0]
    batch = lst.encode(tokenizer, [{"words": ["the", "<unk>", "rose"], "label": 0}], "easy", 16)
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())
    assert tokens == ["[CLS]", "the", tokenizer.unk_token, "rose", "[SEP]"]
