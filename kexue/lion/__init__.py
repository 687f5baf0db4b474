"""Lion versus AdamW (kexue.fm 9473): optimizer.py (Lion, SIGNUM, the exact checks), training.py (the runs)."""
