# VAE + BN's helpers (its rules: rules.smk beside this file): one training run per (task, arm, seed).


def vae_bn_runs(task) -> list:
    """The metrics files of every run of a task: each arm it names, at seeds 0 … n−1."""
    t = config["vae_bn"]["tasks"][task]
    unknown = sorted(set(t["seeds"]) - set(config["vae_bn"]["arms"]))
    if unknown:
        raise WorkflowError(f"config vae_bn.tasks.{task}.seeds names arms that vae_bn.arms does not define: {unknown}")
    roles = config["vae_bn"]["roles"]
    compared = {roles["vanilla"], *roles["bn"].values(), *roles["bn_vs_ln"].values()}
    short = sorted(arm for arm in compared if t["seeds"].get(arm, 0) < 2)
    if short:
        raise WorkflowError(
            f"config vae_bn.tasks.{task}.seeds: the arms the claims compare (vae_bn.roles) need "
            f"≥ 2 seeds each (3 by the brief); too few for {short}"
        )
    return [f"{W}/vae_bn/runs/{task}/{arm}_s{seed}/metrics.json" for arm, n in t["seeds"].items() for seed in range(n)]
