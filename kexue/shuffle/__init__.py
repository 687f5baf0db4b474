"""Shuffling a line file larger than memory (kexue.fm/archives/8662): `scheme` (the algorithm on lists,
exact enumeration, vectorised simulations) and `files` (the file-based shuffle, standard library only)."""
