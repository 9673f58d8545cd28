"""retrieval/ finds: the user's documents, chunked, embedded and searched (FAISS, no pickle)."""
from .store import Hit, Store, validate_name

__all__ = ["Hit", "Store", "validate_name"]
