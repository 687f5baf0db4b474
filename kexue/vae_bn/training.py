"""Training and held-out evaluation for the BN-VAE experiments (kexue.fm/archives/7381).

One loop serves both models of kexue/vae_bn/models.py: the text VAE on PTB sentences and the image VAE on
binarised MNIST. Every training step records the batch KL next to its exact floor
½ Σ_j (β_j² + γ_j²·v_j/(v_j + ε)) (claim C3.1, `check_kl_bound`), and for Su's head the moment
identities γ_μ² + γ_σ² = 1, mean_i μ_ij = 0, mean_i (μ_ij² + σ_ij²) = 1 (claim C3.2). The held-out
metrics (KL, AU, MI, IW-NLL, PPL) are those of kexue/vae_bn/metrics.py, computed in eval mode.

A run is fixed by (task, arm, seed): the seed fixes the initialisation, the batch order, dropout and
every z sample, so arms with the same seed start from the same encoder and decoder weights.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

import pandas as pd
import torch
from torch import Tensor, nn

from kexue.lm import EOS, build_vocab
from kexue.vae_bn import metrics as vae_metrics
from kexue.vae_bn import models as vae

IW_ROWS = 512  # decoder rows (examples × samples) per IW pass; 5 000 rows ran 2.5× slower (memory-bound)


# --------------------------------------------------------------------------- data


def prepare_ptb(texts: dict[str, str], max_tokens: int, sizes: dict[str, int]) -> dict:
    """PTB sentences of ≤ `max_tokens` tokens ("<eos>" included), the first sizes[split] of each split.

    The vocabulary comes from the whole training file (10 000 words with "<unk>", plus "<eos>"), so the
    softmax has the paper's size whatever subset is trained on.
    """
    vocab = build_vocab(texts["train"])
    data = {"kind": "text", "vocab": vocab}
    for split, n in sizes.items():
        sentences = vae.up_to_length(vae.encode_sentences(texts[split], vocab), max_tokens)
        if len(sentences) < n:
            raise ValueError(
                f"PTB {split} has only {len(sentences)} sentences of ≤ {max_tokens} tokens, "
                f"{n} were asked for: lower vae_bn.tasks.ptb.data.{split} or raise "
                f"vae_bn.tasks.ptb.data.max_tokens"
            )
        data[split] = sentences[:n]
    return data


def prepare_mnist(images: dict[str, Tensor], threshold: float, sizes: dict[str, int]) -> dict:
    """The first sizes[split] MNIST images of each split, binarised once at `threshold` (uint8, (N, 784)).

    A fixed binarisation keeps the test likelihood a property of fixed data, equal for every arm.
    """
    data = {"kind": "image", "shape": (28, 28)}
    for split, n in sizes.items():
        if len(images[split]) < n:
            raise ValueError(f"MNIST {split} has {len(images[split])} images, {n} were asked for")
        data[split] = vae.binarize(images[split][:n], threshold).to(torch.uint8)
    return data


def epoch_batches(data: dict, split: str, batch_size: int, generator: torch.Generator | None) -> list:
    """Batches over one split: shuffled (with a generator, for training) or in a fixed order (None).

    Text batches are length-bucketed (sentences of nearly one length each, no padding cost); in the
    fixed order they go by length. Image batches are float (B, 784) tensors.
    """
    if data["kind"] == "text":
        sentences = data[split]
        lengths = torch.tensor([len(s) for s in sentences])
        if generator is None:
            indices = list(torch.sort(lengths, stable=True).indices.split(batch_size))
        else:
            indices = vae.bucket_batches(lengths, batch_size, generator)
        return [vae.collate(sentences, i) for i in indices]
    images = data[split].float()
    if generator is None:
        return list(images.split(batch_size))
    return [images[i] for i in vae.random_batches(len(images), batch_size, generator)]


def make_model(data: dict, model: dict, head: str, head_options: dict) -> nn.Module:
    """TextVAE (embed, hidden, latent, dropout_in, dropout_out) or ImageVAE (hidden, channels, layers,
    kernel, latent) with the arm's posterior head."""
    if data["kind"] == "text":
        vocab = data["vocab"]
        return vae.TextVAE(len(vocab), vocab.index(EOS), head=head, head_options=head_options, **model)
    return vae.ImageVAE(data["shape"], head=head, head_options=head_options, **model)


# --------------------------------------------------------------------------- training


def make_optimizer(name: str, parameters, lr: float) -> torch.optim.Optimizer:
    """ "adam" (torch defaults besides lr) or "sgd" (the paper's: no momentum)."""
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; expected adam or sgd")


def step_record(head: nn.Module, posterior: vae.Posterior) -> dict:
    """The per-step checks: C3.1's KL against its exact floor, and for Su's head C3.2's identities."""
    check = vae.check_kl_bound(head, posterior)
    min_var = float(posterior.norm_var.min()) if posterior.norm_var is not None else math.nan
    record = {
        "kl": check.kl,
        "floor": check.bound,
        "violated": check.violated,
        "min_var": min_var,
        # where v ≫ ε the nominal floor (d/2)γ² or dτ/2 is checked too (check_kl_bound)
        "nominal_checked": head.floor_eps is not None and min_var >= vae.LARGE_VAR * head.floor_eps,
    }
    if isinstance(head, vae.SuHead):
        gamma_mu_sq, gamma_sigma_sq = (g.detach().double() for g in head.gamma_squares())
        mean_error, second_moment_error = vae.moment_errors(posterior)
        record.update(
            gamma_sum_error=float((gamma_mu_sq + gamma_sigma_sq - 1).abs().max()),
            mean_error=mean_error,
            second_moment_error=second_moment_error,
        )
    return record


def moment_summary(steps: pd.DataFrame) -> dict:
    """C3.2 over a run: the largest error of each identity over all steps (empty without Su's head)."""
    columns = ["gamma_sum_error", "mean_error", "second_moment_error"]
    return {c: float(steps[c].max()) for c in columns if c in steps}


def train_vae(
    model: nn.Module,
    data: dict,
    *,
    epochs: int,
    batch_size: int,
    optimizer: str,
    lr: float,
    clip: float,
    kl_start: float,
    warm_up_epochs: float,
    seed: int,
    log: logging.Logger | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on data["train"], minimising mean(−log p(x|z) + w·KL) with w from `vae.kl_weight`.

    Returns (steps, epochs): one row per step (loss, reconstruction, KL, floor, violated, …) and one per
    epoch (the validation negative ELBO and KL in eval mode). warm_up_epochs = 0 means no annealing.
    """
    generator = torch.Generator().manual_seed(seed)
    opt = make_optimizer(optimizer, [p for p in model.parameters() if p.requires_grad], lr)
    valid = epoch_batches(data, "valid", batch_size, None)
    step_rows, epoch_rows, step, start = [], [], 0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        batches = epoch_batches(data, "train", batch_size, generator)
        warm_up_steps = round(warm_up_epochs * len(batches))  # every epoch has the same number of batches
        for batch in batches:
            weight = vae.kl_weight(step, kl_start, warm_up_steps)
            output = model(batch)
            loss = vae.elbo_loss(output, weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            step += 1
            step_rows.append(
                {
                    "step": step,
                    "epoch": epoch,
                    "kl_weight": weight,
                    "loss": loss.item(),
                    "recon": output.recon_nll.mean().item(),
                    **step_record(model.head, output.posterior),
                }
            )
        row = {"epoch": epoch, "step": step, **validation_elbo(model, valid), "seconds": time.perf_counter() - start}
        epoch_rows.append(row)
        if log:
            log.info(
                "epoch %d/%d: valid −ELBO %.3f, KL %.3f nats; %d floor violations so far; %.0f s",
                epoch,
                epochs,
                row["valid_neg_elbo"],
                row["valid_kl"],
                sum(r["violated"] for r in step_rows),
                row["seconds"],
            )
    return pd.DataFrame(step_rows), pd.DataFrame(epoch_rows)


@torch.no_grad()
def validation_elbo(model: nn.Module, batches: Sequence) -> dict:
    """The mean negative ELBO (one z sample) and KL per example, in eval mode; the model's mode is restored."""
    was_training = model.training
    model.eval()
    outputs = [model(batch) for batch in batches]
    model.train(was_training)
    recon = torch.cat([o.recon_nll for o in outputs])
    kl = torch.cat([o.kl.sum(1) for o in outputs])
    return {"valid_neg_elbo": float((recon + kl).mean()), "valid_kl": float(kl.mean())}


# --------------------------------------------------------------------------- held-out metrics


def iw_nll(
    model: nn.Module, batches: Sequence, mu: Tensor, logvar: Tensor, samples: int, generator: torch.Generator
) -> Tensor:
    """−log p(x) per example by importance sampling with `samples` z ~ q(z|x) (eval mode)."""
    nll, start = [], 0
    for batch in batches:
        n = len(batch.lengths) if isinstance(batch, vae.SentenceBatch) else len(batch)
        log_px = vae_metrics.iw_log_likelihood(
            lambda z, b=batch: model.log_likelihood(b, z),
            mu[start : start + n],
            logvar[start : start + n],
            samples,
            chunk=max(1, IW_ROWS // n),
            generator=generator,
        )
        nll.append(-log_px)
        start += n
    return torch.cat(nll)


@torch.no_grad()
def evaluate_vae(
    model: nn.Module, data: dict, *, split: str, batch_size: int, iw_samples: int, iw_examples: int, seed: int
) -> dict:
    """Held-out metrics in eval mode (running BN statistics, trap T2), on all examples of `split`:
    KL, AU (variance threshold 0.01), MI (aggregate posterior over all M examples), the negative ELBO;
    and on its first `iw_examples` examples the IW-NLL with `iw_samples` samples and,
    for text, the perplexity exp(Σ NLL / Σ T_x) from it (trap T10)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)  # the negative ELBO's z samples: the same metrics on every call
        return _evaluate(model, data, split, batch_size, iw_samples, iw_examples, torch.Generator().manual_seed(seed))


def _evaluate(model, data, split, batch_size, iw_samples, iw_examples, generator) -> dict:
    was_training = model.training
    model.eval()
    batches = epoch_batches(data, split, batch_size, None)
    mu, logvar = vae.encode_all(model, batches)
    units, variances = vae_metrics.active_units(mu)
    metrics = {
        "examples": len(mu),
        "kl": vae_metrics.mean_kl(mu, logvar),
        "active_units": units,
        "mu_variance_median": float(variances.median()),
        "mi": vae_metrics.mutual_information(mu.double(), logvar.double(), generator),
        **validation_elbo(model, batches),
    }
    metrics["neg_elbo"] = metrics.pop("valid_neg_elbo")
    metrics.pop("valid_kl")
    iw_batches = epoch_batches({**data, "iw": data[split][:iw_examples]}, "iw", batch_size, None)
    mu_iw, logvar_iw = vae.encode_all(model, iw_batches)
    nll = iw_nll(model, iw_batches, mu_iw, logvar_iw, iw_samples, generator)
    metrics.update(iw_examples=len(nll), iw_samples=iw_samples, nll=float(nll.mean()))
    if data["kind"] == "text":
        tokens = torch.cat([b.lengths for b in iw_batches])
        metrics["ppl"] = vae_metrics.perplexity(nll, tokens)
    model.train(was_training)
    return metrics


# --------------------------------------------------------------------------- claims


def arm_means(runs: pd.DataFrame, arm: str) -> pd.Series:
    """The mean over an arm's seeds of every numeric column of `runs` (one row per run)."""
    rows = runs[runs["arm"] == arm]
    if rows.empty:
        raise KeyError(f"no runs of arm {arm!r}: add it to the task's seeds")
    return rows.mean(numeric_only=True)


def collapse_metrics(runs: pd.DataFrame, vanilla: str, bn_arms: dict[str, str]) -> dict:
    """C3.3: the vanilla arm's test KL (whether it collapsed is the claims' precondition), and per BN
    arm, over seed means, KL / nominal floor, MI − MI_vanilla and IW-NLL − NLL_vanilla (nats per example)."""
    base = arm_means(runs, vanilla)
    result = {
        "vanilla_kl": float(base["kl"]),
        "vanilla_mi": float(base["mi"]),
        "vanilla_nll": float(base["nll"]),
    }
    if "ppl" in base:  # text: the decoder's strength (trap T7), for the claim's precondition
        result["vanilla_ppl"] = float(base["ppl"])
    for label, arm in bn_arms.items():
        m = arm_means(runs, arm)
        result[label] = {
            "arm": arm,
            "kl": float(m["kl"]),
            "nominal_floor": float(m["nominal_floor"]),
            "kl_over_bound": float(m["kl"] / m["nominal_floor"]),
            "mi_gain": float(m["mi"] - base["mi"]),
            "nll_excess": float(m["nll"] - base["nll"]),
            "active_units": float(m["active_units"]),
        }
    return result


def bn_vs_ln_metrics(runs: pd.DataFrame, bn: str, ln: str) -> dict:
    """C3.4: (MI_BN − MI_LN) in units of the pooled standard deviation √((s²_BN + s²_LN)/2) over seeds."""
    mi = {name: runs.loc[runs["arm"] == arm, "mi"] for name, arm in (("bn", bn), ("ln", ln))}
    if min(len(v) for v in mi.values()) < 2:
        raise ValueError(f"C3.4 needs ≥ 2 seeds of {bn} and {ln}")
    pooled = math.sqrt((mi["bn"].var(ddof=1) + mi["ln"].var(ddof=1)) / 2)
    gap = float(mi["bn"].mean() - mi["ln"].mean())
    return {
        "mi_bn": float(mi["bn"].mean()),
        "mi_ln": float(mi["ln"].mean()),
        "mi_gap": gap,
        "pooled_std": pooled,
        "gap_in_pooled_std": gap / pooled if pooled > 0 else (math.copysign(math.inf, gap) if gap else 0.0),
        "active_units_bn": float(arm_means(runs, bn)["active_units"]),
        "active_units_ln": float(arm_means(runs, ln)["active_units"]),
    }


# --------------------------------------------------------------------------- C3.1 re-decided from the step records

BRIEF_FLOOR_TOL_PER_DIM = 1e-5  # the brief's slack on the exact floor: KL_batch ≥ floor − 1e-5·d
BRIEF_NOMINAL_TOL = 1e-3  # the brief's slack on the nominal floor: KL_batch ≥ nominal − 1e-3 where v ≫ ε
END_FRACTION = 0.1  # "the end of training": the last 10 % of steps


def floor_check(steps: pd.DataFrame, nominal: float, latent: int) -> dict:
    """C3.1's identity check of one run at the brief's tolerances, from its per-step records (steps.csv).

    The training loop flags a step with a slightly wider slack (1e-5·d + 1e-6·floor; nominal 1e-3·(1 + nominal));
    its `kl`, `floor` and `nominal_checked` columns let the summary decide with the brief's own:
      exact:   KL_batch < floor − 1e-5·d at any step;
      nominal: KL_batch < nominal − 1e-3 at a step where min_j v_j ≥ 1e3·ε (column nominal_checked).
    """
    exact_margin = steps["kl"] - steps["floor"]
    checked = steps.loc[steps["nominal_checked"].astype(bool), "kl"] - nominal
    return {
        "exact_violations": int((exact_margin < -BRIEF_FLOOR_TOL_PER_DIM * latent).sum()),
        "nominal_violations": int((checked < -BRIEF_NOMINAL_TOL).sum()),
        "nominal_checked_steps": len(checked),
        "exact_margin_min": float(exact_margin.min()),
        "nominal_margin_min": float(checked.min()) if len(checked) else math.nan,
    }


def end_of_training(steps: pd.DataFrame, column: str) -> float:
    """The median of a step column over the last 10 % of a run's steps (at least one)."""
    return float(steps[column].tail(max(1, round(len(steps) * END_FRACTION))).median())


def arm_key(arm: str) -> str:
    """An arm's name as a metrics key: the verdict rules split keys at dots (bn0.6 → bn0_6)."""
    return arm.replace(".", "_")


def nominal_floor_metrics(runs: pd.DataFrame) -> dict:
    """C3.1 as the article states it: the KL stays at or above its nominal floor (d/2)γ², d·τ/2 or
    (d/2)·scale², per arm with a floor, over seed means:
      held_out_over_floor  the held-out KL (eval mode, running BN statistics) / nominal floor;
      end_train_margin     the batch KL at the end of training (median of the last 10 % of steps, training
                           mode) − nominal floor, in nats;
      end_min_var          min_j v_j, the smallest pre-normalisation batch variance, at the end of training:
                           far below ε the exact floor γ²·v/(v + ε) is gone (trap T1).
    `below_half_floor` lists the arms whose held-out KL ended under half their floor."""
    arms = {}
    for arm, rows in runs[runs["nominal_floor"] > 0].groupby("arm", sort=False):
        floor, kl = float(rows["nominal_floor"].mean()), float(rows["kl"].mean())
        arms[arm_key(arm)] = {
            "arm": arm,
            "seeds": len(rows),
            "nominal_floor": floor,
            "held_out_kl": kl,
            "held_out_over_floor": kl / floor,
            "end_train_kl": float(rows["end_kl"].mean()),
            "end_train_margin": float(rows["end_kl"].mean()) - floor,
            "end_min_var": float(rows["end_min_var"].mean()),
        }
    return {
        "arms": arms,
        "below_half_floor": [a["arm"] for a in arms.values() if a["held_out_over_floor"] < 0.5],
    }


def elbo_iw_gaps(runs: pd.DataFrame, vanilla: str, bn_arms: dict[str, str]) -> dict:
    """Beside C3.3's NLL excess: the gap −ELBO − IW-NLL per arm (seed means, nats per example), which grows
    with how loose the posterior is as a proposal; a BN arm's gap above the vanilla arm's says part of its
    NLL excess may be the IW estimate's looseness at small K rather than a worse model."""
    gap = runs["neg_elbo"] - runs["nll"]
    mean_gap = {arm: float(gap[runs["arm"] == arm].mean()) for arm in {vanilla, *bn_arms.values()}}
    return {"vanilla_elbo_iw_gap": mean_gap[vanilla]} | {
        label: {"elbo_iw_gap": mean_gap[arm], "gap_excess": mean_gap[arm] - mean_gap[vanilla]}
        for label, arm in bn_arms.items()
    }
