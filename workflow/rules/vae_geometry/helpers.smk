# A geometric view of the VAE's helpers (its rules: rules.smk beside this file).


def vae_geometry_runs(name) -> list:
    """`name` (models.pt, metrics.json, history.csv) of every training job: per latent size and seed, the
    AE-and-VAE job (runs/ae_vae_d<d>_s<seed>/, read by eae_knn_entropy too) and the geo-VAE job."""
    c = config["vae_geometry"]
    dims = [entry["dim"] for entry in c["latents"]]
    if c["claim_latent"] not in dims:
        raise WorkflowError(f"config vae_geometry.claim_latent = {c['claim_latent']} is not among latents {dims}")
    return [
        f"{W}/vae_geometry/runs/{part}_d{entry['dim']}_s{seed}/{name}"
        for entry in c["latents"]
        for seed in range(entry["seeds"])
        for part in ("ae_vae", "geo")
    ]
