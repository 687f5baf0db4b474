"""The dimension formula n > 8.33 ln N (kexue.fm 7695, 8711): formula.py (h_n, thresholds, the capacity
test), wordvec.py (skip-gram word vectors on PTB)."""
