"""Generation that always ends.

Four brakes, any of which ends a row, each checked per row (a batch mixes experts whose settings
differ): EOS / end-of-turn token ids, configured stop strings, a repeated n-gram loop guard, and the
row's own max_new_tokens. `RowStopper` records *why* and *where* each row ended, so `finish_reason`
is honest (`stop` vs `length`) and the text is cut exactly there.

`PerRowRepetitionPenalty` replaces transformers' repetition penalty for two reasons: experts in one
batch have different penalties, and the stock processor penalises every token of the prompt — with a
chat template that includes the end-of-turn token closing every earlier turn (and, in a left-padded
batch, the pad token, which is often EOS), so the stock penalty makes *stopping* less likely, the
opposite of what we want. Stop and pad ids are never penalised here.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import torch
from transformers import LogitsProcessor, StoppingCriteria, TextIteratorStreamer

REPLACEMENT = "\ufffd"  # what a tokenizer decodes an incomplete or invalid UTF-8 byte sequence to
MAX_CHAR_TOKENS = 4  # a UTF-8 character is at most 4 bytes, and a byte-level token holds at least one
SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s*$|\n\s*$")
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "</s>", "<end_of_turn>", "<|endoftext|>")


def stop_token_ids(tokenizer, model=None) -> list[int]:
    """EOS plus the chat template's end-of-turn tokens that exist in this vocabulary."""
    ids: set[int] = set()
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(gen_eos, int):
        ids.add(gen_eos)
    elif isinstance(gen_eos, (list, tuple)):
        ids.update(int(i) for i in gen_eos)
    vocab = tokenizer.get_vocab()
    for tok in END_OF_TURN_TOKENS:
        if tok in vocab:
            ids.add(int(vocab[tok]))
    return sorted(ids)


@dataclass
class RowLimits:
    """The brakes of one row."""

    max_new_tokens: int
    stop: tuple[str, ...] = ()
    repeat_ngram: int = 8  # 0 = guard off
    repeat_times: int = 3
    wrap_up: float = 0.75  # past this share of max_new_tokens, end at the next sentence end; 1 = off
    max_word_chars: int = 48  # a "word" this long is degenerate output (no language has it); 0 = off


def repeated_ngram_start(tokens: list[int], n: int, times: int) -> int | None:
    """If the last n-gram of `tokens` occurs `times` times, the index where its 2nd occurrence starts
    (the text is cut there: the loop is shown once, not three times); else None."""
    if n <= 0 or len(tokens) < n * times:
        return None
    tail = tokens[-n:]
    starts = [i for i in range(len(tokens) - n + 1) if tokens[i:i + n] == tail]
    return starts[1] if len(starts) >= times else None


class RowStopper(StoppingCriteria):
    """Per-row stopping for a batch; records `reasons[i]` and `lengths[i]` (completion tokens kept).

    Reasons: eos | stop_string | repetition | wrap_up | degenerate | max_new_tokens | cancelled.
    `wrap_up`: the row is in the last quarter of its token budget and just finished a sentence, so
    it ends on a whole sentence instead of being cut mid-word at the limit. `degenerate`: a run of
    non-space characters longer than any word (a small model's letter soup) — the run is dropped.
    """

    def __init__(self, tokenizer, prompt_len: int, rows: list[RowLimits], stop_ids: list[int],
                 cancel: threading.Event | None = None):
        self.tok, self.prompt_len, self.rows = tokenizer, prompt_len, rows
        self.stop_ids = torch.tensor(sorted(set(stop_ids)), dtype=torch.long)
        self.cancel = cancel
        self.reasons: list[str | None] = [None] * len(rows)
        self.lengths: list[int | None] = [None] * len(rows)
        # tokens decoded per step for stop strings: enough for the longest configured string
        # tokens decoded to see the last word: a token is >= 1 character, so max_word_chars suffice
        self.word_window = max((r.max_word_chars for r in rows), default=0) + 2
        self.window = {i: max(8, 2 * max(len(s) for s in r.stop)) for i, r in enumerate(rows) if r.stop}

    def _end(self, i: int, reason: str, length: int) -> None:
        self.reasons[i], self.lengths[i] = reason, length

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        gen = input_ids[:, self.prompt_len:]  # (B, L)
        length = gen.shape[1]
        if length == 0:
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        is_eos = torch.isin(gen[:, -1], self.stop_ids.to(gen.device)).tolist()  # one sync per step
        cancelled = self.cancel is not None and self.cancel.is_set()
        rows_cpu = None
        for i, row in enumerate(self.rows):
            if self.reasons[i] is not None:
                continue
            if is_eos[i]:
                self._end(i, "eos", length - 1)
            elif cancelled:
                self._end(i, "cancelled", length)
            elif length >= row.max_new_tokens:
                self._end(i, "max_new_tokens", length)
            else:
                if i in self.window:
                    tail = self.tok.decode(gen[i, -self.window[i]:], skip_special_tokens=False)
                    if any(s in tail for s in row.stop):
                        self._end(i, "stop_string", length)
                        continue
                if row.max_word_chars or row.wrap_up < 1:
                    tail = self.tok.decode(gen[i, -self.word_window:], skip_special_tokens=True)
                    word = tail.split()[-1] if tail.split() and not tail[-1:].isspace() else ""
                    if row.max_word_chars and len(word) >= row.max_word_chars:
                        self._end(i, "degenerate", length)
                        continue
                    if length >= row.wrap_up * row.max_new_tokens and SENTENCE_END.search(tail):
                        self._end(i, "wrap_up", length)
                        continue
                if row.repeat_ngram and length >= row.repeat_ngram * row.repeat_times:
                    if rows_cpu is None:
                        rows_cpu = gen.tolist()
                    cut = repeated_ngram_start(rows_cpu[i], row.repeat_ngram, row.repeat_times)
                    if cut is not None:
                        self._end(i, "repetition", cut)
        done = [r is not None for r in self.reasons]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


class PerRowRepetitionPenalty(LogitsProcessor):
    """CTRL-style repetition penalty with one value per row; stop and pad ids are never penalised."""

    def __init__(self, penalties: list[float], exempt_ids: list[int]):
        self.penalties = torch.tensor(penalties, dtype=torch.float32)[:, None]  # (B, 1)
        self.exempt = torch.tensor(sorted(set(exempt_ids)), dtype=torch.long)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        p = self.penalties.to(scores.device, scores.dtype)
        seen = torch.gather(scores, 1, input_ids)
        seen = torch.where(seen < 0, seen * p, seen / p)
        exempt = torch.isin(input_ids, self.exempt.to(input_ids.device))
        seen = torch.where(exempt, torch.gather(scores, 1, input_ids), seen)
        return scores.scatter(1, input_ids, seen)


def drop_degenerate_tail(text: str, max_word_chars: int) -> str:
    """Remove a trailing run of non-space characters that is too long to be a word."""
    words = text.rstrip().rsplit(None, 1)
    if max_word_chars and words and len(words[-1]) >= max_word_chars:
        return words[0] if len(words) == 2 else ""
    return text


def cut_at_stop_strings(text: str, stops) -> tuple[str, bool]:
    cut = len(text)
    for s in stops:
        if s and s in text:
            cut = min(cut, text.index(s))
    return text[:cut], cut < len(text)


def decode_text(tokenizer, ids) -> str:
    """Token ids as whole UTF-8 text. A byte-level model can emit a byte sequence that is no character
    (a lead byte followed by a plain letter: "low\ufffdmorrowed"); the tokenizer decodes it to U+FFFD,
    which is dropped here, so no answer carries a broken character."""
    return tokenizer.decode(ids, skip_special_tokens=True).replace(REPLACEMENT, "")


class Utf8Streamer(TextIteratorStreamer):
    """A TextIteratorStreamer whose pieces are whole UTF-8 text and add up to `decode_text` of the row.

    "°" or "王" can be split over two or three byte-level tokens; until its last byte arrives the
    decoded text ends in U+FFFD, so the piece waits (at most MAX_CHAR_TOKENS tokens: then the bytes
    are no character and are dropped, as `decode_text` drops them). Trailing whitespace waits for the
    next piece too, because a decoder may join it to the next token (" ." is cleaned up to ".")."""

    def __init__(self, tokenizer, timeout: float | None = None):
        super().__init__(tokenizer, skip_prompt=True, timeout=timeout, skip_special_tokens=True)
        self.sent = 0  # characters of the cleaned text already handed out
        self.waiting = 0  # tokens the text has ended in an incomplete character

    def put(self, value):
        if len(value.shape) > 1:
            value = value[0]
        if self.skip_prompt and self.next_tokens_are_prompt:
            self.next_tokens_are_prompt = False
            return
        self.token_cache.extend(value.tolist())
        text = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)
        if text.endswith(REPLACEMENT) and self.waiting < MAX_CHAR_TOKENS:
            self.waiting += 1
            return
        self.waiting = 0
        text = text.replace(REPLACEMENT, "")
        upto = len(text.rstrip())
        if upto > self.sent:
            self.on_finalized_text(text[self.sent:upto])
            self.sent = upto

    def end(self):
        text = decode_text(self.tokenizer, self.token_cache) if self.token_cache else ""
        piece = text[self.sent:]
        self.token_cache, self.sent, self.waiting = [], 0, 0
        self.next_tokens_are_prompt = True
        self.on_finalized_text(piece, stream_end=True)
