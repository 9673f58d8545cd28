"""One stream protocol for every consumer (CLI, server, LangChain face, UI, Python API).

An `AnswerStream` is an iterator of text pieces; once it is exhausted, `.answer` holds the final,
typed object (an `Answer` from the Assistant, a `Generation` from an expert). Like simonw/llm's
Response: iterate for the text, then read the result. Nobody splits "pieces, then an object" by
type: the generation backends hand over that shape (experts/backends.py), and `from_items` is the
one place that reads it.

    stream = assistant.stream("What is hypertension?")
    for piece in stream:
        print(piece, end="")
    stream.answer.route
"""
from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class AnswerStream(Generic[T]):
    """Text pieces from a generator that yields `str` and returns the final object."""

    def __init__(self, pieces: Generator[str, None, T]):
        self._pieces = pieces
        self._answer: T | None = None
        self.done = False

    @classmethod
    def from_items(cls, items: Iterable) -> AnswerStream:
        """A backend's stream (text pieces, then the final object as its last item) as an AnswerStream."""
        def pieces():
            final = None
            try:
                for item in items:
                    if isinstance(item, str):
                        yield item
                    else:
                        final = item
            finally:
                if hasattr(items, "close"):  # stopped early: the backend stops generating now
                    items.close()
            return final
        return cls(pieces())

    def __iter__(self) -> Iterator[str]:
        while not self.done:
            try:
                yield next(self._pieces)
            except StopIteration as stop:
                self._answer, self.done = stop.value, True
                return

    @property
    def answer(self) -> T:
        """The final object; reading it before the stream is exhausted consumes the rest."""
        if not self.done:
            for _ in self:
                pass
        return self._answer

    def close(self) -> None:
        """Stop early (a client went away): the generator and the backend stream behind it close."""
        self._pieces.close()
