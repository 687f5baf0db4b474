# The Capsule article's helpers (its rules: rules.smk beside this file): each run gets only the keys it uses.
from kexue.capsule import ARMS, arm_model


def capsule_arm_model(arm: str) -> dict:
    """The model settings of one arm (CNN or a capsule variant), from the shared model section."""
    return arm_model(arm, config["capsule"]["model"])


def capsule_training(arm: str) -> dict:
    """Epochs of the arm's kind, batch size and learning rate."""
    t = config["capsule"]["training"]
    return {"epochs": t["epochs"][ARMS[arm]["kind"]], "batch_size": t["batch_size"], "lr": t["lr"]}


def capsule_scale() -> str:
    """One line on the run's size for the report, from the settings."""
    c = config["capsule"]
    d, m, t = c["data"], c["model"], c["training"]
    side = 28 - 2 * d["crop"]
    return (
        f"MNIST {side}×{side} ({d['train_size']} training images), channels {m['channels']}, "
        f"epochs CNN {t['epochs']['cnn']} / Capsule {t['epochs']['capsule']}, batch {t['batch_size']}, "
        f"{len(t['seeds'])} seeds; pairs {2 * side}×{side} from {d['pair_images']} test images"
    )
