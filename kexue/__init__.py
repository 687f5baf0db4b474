"""Library behind the kexue.fm reproduction pipeline.

Shared machinery: config (tiers, per-article sections, validation), jobs, provenance, resources,
verdicts, report, compare, plotting. Shared science: lm (a small Transformer LM and PTB vocabulary),
sources (readers of acquired datasets), sts (STS sets), encoders (sentence encoders).
Each article's own science is the module or subpackage named after its slug (kexue/<slug>.py or
kexue/<slug>/), which imports only the shared part, never another article.
"""
