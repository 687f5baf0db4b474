"""Library behind the kexue.fm reproduction pipeline: one module per article, plus the shared
machinery (resources, provenance, verdicts, report)."""
