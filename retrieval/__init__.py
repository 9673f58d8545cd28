"""retrieval/ finds: the user's documents, chunked, embedded and searched (FAISS, no pickle)."""
