"""Finding arXiv ids, DOIs and GitHub repositories in text and URLs; the paper <-> code <-> repro graph."""
