# DDPM's helpers (its rules: rules.smk beside this file).


def ddpm_runs(dataset) -> list:
    """The metrics files of every ε-MLP run of a data set: each t-encoding at each seed."""
    d = config["ddpm"][dataset]
    return [f"{W}/ddpm/runs/{dataset}_{e}_s{s}.json" for e in d["encodings"] for s in d["seeds"]]


def ddpm_unet_runs() -> list:
    """The U-Net runs (full tier): each normalisation at each seed (fp32, summed loss), and the fp16 runs
    of each reduction (GroupNorm, the first seed); none when ddpm.unet.enabled is false."""
    u = config["ddpm"]["unet"]
    if not u["enabled"]:
        return []
    norm_test = [f"{n}_sum_fp32_s{s}" for n in u["norms"] for s in u["seeds"]]
    precision_test = [f"group_{r}_fp16_s{u['seeds'][0]}" for r in u["reductions"]]
    return [f"{W}/ddpm/unet/{run}.json" for run in norm_test + precision_test]


def ddpm_classifier_input(wc) -> dict:
    """The U-Net runs and the MNIST classifier read the mnist resource; the digits jobs read scikit-learn's copy."""
    return {"data": resource("mnist")} if wc.dataset == "mnist" else {}
