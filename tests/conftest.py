"""Shared test setup.

The library tests run torch single-threaded: their tensors are small, and when cores are shared (CI
machines, the smoke run's parallel jobs) OpenMP's waiting threads made a 90-step TinyLM run take 12 s
instead of 0.4 s on 2 cores.
"""

import torch

torch.set_num_threads(1)
