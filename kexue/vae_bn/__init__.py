"""VAE + BN against KL vanishing (kexue.fm 7381): models.py (posterior heads, text and image VAEs),
metrics.py (held-out KL, AU, MI, IW-NLL), training.py (the loop and the claims' numbers)."""
