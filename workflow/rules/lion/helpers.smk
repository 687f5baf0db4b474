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
    so that the tuned AdamW cell is also the transfer's first AdamW run. None on a tier without that grid."""
    t = config["lion"]["tasks"][task]
    grid, seed = t["grid"][optimizer], config["lion"]["transfer"]["seeds"][0]
    if grid is None:
        return []
    return [
        lion_run(task, optimizer, lr, wd, t["batch_size"], t["budget_examples"], seed)
        for lr in grid["lr"]
        for wd in grid["weight_decay"]
    ]


def lion_tuned(task) -> dict:
    """The lion_tuned checkpoint of a task: each optimizer's best grid cell. Calling this from an input
    function plans the jobs that derive from it once the grids are done."""
    return json.loads(Path(checkpoints.lion_tuned.get(task=task).output[0]).read_text())


def lion_transfer_paths(task) -> dict:
    """C2.4: AdamW at its tuned (lr*, λ*) and Lion at (lr*/r, λ*·r), every transfer seed, by arm."""
    lion, t = config["lion"], config["lion"]["tasks"][task]
    lr, wd = (lion_tuned(task)["adamw"][k] for k in ("lr", "weight_decay"))
    batch, examples, seeds = t["batch_size"], t["budget_examples"], lion["transfer"]["seeds"]
    runs = {"adamw": [lion_run(task, "adamw", lr, wd, batch, examples, s) for s in seeds]}
    for r in lion["transfer"]["ratios"]:
        runs[f"lion_r{num(r)}"] = [lion_run(task, "lion", lr / r, wd * r, batch, examples, s) for s in seeds]
    return runs


def lion_transfer_runs(wildcards) -> dict:
    """The transfer runs of the task in the wildcards, and their histories."""
    runs = lion_transfer_paths(wildcards.task)
    runs["histories"] = [path.replace("metrics.json", "history.csv") for paths in runs.values() for path in paths]
    return runs


def lion_sweep_cells(wildcards) -> list:
    """C2.5: one sweep cell per (optimizer, batch size) (sweep_cell.py)."""
    return [
        f"{W}/lion/sweep/{o}_b{b}.json" for o in ("adamw", "lion") for b in config["lion"]["batch_sweep"]["batch_sizes"]
    ]


def lion_sweep_centre(wildcards) -> dict:
    """What centres a sweep cell's lr grid: AdamW's tuned cell on MNIST; for Lion also the MNIST transfer runs,
    whose best ratio is Lion's setting (the checkpoint lion_tuned plans them)."""
    inputs = {"tuned": f"{W}/lion/tuned/mnist.json"}
    if wildcards.optimizer == "lion":
        runs = lion_transfer_paths("mnist")
        inputs["transfer"] = [path for key, paths in runs.items() if key.startswith("lion_") for path in paths]
    return inputs
