"""Reciprocal-rank fusion (Cormack et al. 2009): how retrieval combines its rankings (dense, BM25,
best line, chunk order) without calibrating their scores against each other."""

RRF_K = 60  # the paper's constant: a rank's weight falls off slowly, so no single ranking dominates


def rrf(rank: int, weight: float = 1.0) -> float:
    """The fused score one ranking gives the item at 0-based `rank`."""
    return weight / (RRF_K + rank + 1)
