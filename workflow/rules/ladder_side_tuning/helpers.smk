# Ladder Side-Tuning's helpers (its rules: rules.smk beside this file).


def lst_backbone_spec(role) -> dict:
    """The backbone entry of the accuracy runs (role `train`) or of the timing (role `speed`)."""
    settings = config["ladder_side_tuning"]
    return settings["backbone"] if role == "train" else settings["speed"]["backbone"]


def lst_backbone_input(role) -> dict:
    """{"backbone": folder} for a `random_bert` stand-in (built by rule ladder_side_tuning_random_bert), else {}."""
    if lst_backbone_spec(role)["random_bert"]:
        return {"backbone": f"{W}/ladder_side_tuning/models/{role}"}
    return {}


def lst_method_settings() -> dict:
    """The settings every run and every timed process needs: dropout, token limit, the methods' own."""
    settings = config["ladder_side_tuning"]
    return {key: settings[key] for key in ("dropout", "max_length", "methods")}
