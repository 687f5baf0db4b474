# Lion's helpers (its rules: rules.smk beside this file): one training run per path, every hyperparameter in it.
import json


def lion_run(task, optimizer, lr, weight_decay, batch, examples, seed) -> str:
    """The metrics file of one training run; its history.csv sits beside it."""
    return (
        f"{W}/lion/runs/{task}/{optimizer}_lr{num(lr)}_wd{num(weight_decay)}"
        f"_b{batch}_n{examples}_s{seed}/metrics.json"
    )


def lion_grid_runs(task, optimizer) -> list:
    """The lr × weight-decay grid of one optimizer on one task (the heatmap), at the first transfer seed,
    so that the tuned AdamW cell is also the transfer's first AdamW run."""
    t = config["lion"]["tasks"][task]
    grid, seed = t["grid"][optimizer], config["lion"]["transfer"]["seeds"][0]
    return [
        lion_run(task, optimizer, lr, wd, t["batch_size"], t["budget_examples"], seed)
        for lr in grid["lr"]
        for wd in grid["weight_decay"]
    ]


def lion_tuned(task) -> dict:
    """The lion_tuned checkpoint of a task: each optimizer's best grid cell. Calling this from an input
    function plans the jobs that derive from it once the grids are done."""
    return json.loads(Path(checkpoints.lion_tuned.get(task=task).output[0]).read_text())


def lion_transfer_runs(wildcards) -> dict:
    """C2.4: AdamW at its tuned (lr*, λ*) and Lion at (lr*/r, λ*·r), every transfer seed."""
    lion, t = config["lion"], config["lion"]["tasks"][wildcards.task]
    lr, wd = (lion_tuned(wildcards.task)["adamw"][k] for k in ("lr", "weight_decay"))
    batch, examples, seeds = t["batch_size"], t["budget_examples"], lion["transfer"]["seeds"]
    runs = {"adamw": [lion_run(wildcards.task, "adamw", lr, wd, batch, examples, s) for s in seeds]}
    for r in lion["transfer"]["ratios"]:
        runs[f"lion_r{num(r)}"] = [lion_run(wildcards.task, "lion", lr / r, wd * r, batch, examples, s) for s in seeds]
    runs["histories"] = [path.replace("metrics.json", "history.csv") for paths in runs.values() for path in paths]
    return runs


def lion_batch_sweep_runs(wildcards) -> dict:
    """C2.5: per batch size B and optimizer, a few lrs around the optimizer's tuned lr at the task's
    batch b: lr·√(B/b)·factor (square-root scaling centres the grid; the summary flags a best lr at
    its edge), with the tuned λ, at the sweep's fixed budget of examples."""
    sweep = config["lion"]["batch_sweep"]
    task = sweep["task"]
    tuned, b = lion_tuned(task), config["lion"]["tasks"][task]["batch_size"]
    return {
        o: [
            lion_run(
                task,
                o,
                float(f"{tuned[o]['lr'] * (B / b) ** 0.5 * f:.4g}"),
                tuned[o]["weight_decay"],
                B,
                sweep["budget_examples"],
                sweep["seed"],
            )
            for B in sweep["batch_sizes"]
            for f in sweep["lr_factors"]
        ]
        for o in ("adamw", "lion")
    }
