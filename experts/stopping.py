"""Generation that always ends.

Four independent brakes, any of which ends a row: EOS / end-of-turn token ids (passed to generate),
configured stop strings, a repeated n-gram loop guard, and max_new_tokens. The reason a row ended is
kept so that `finish_reason` is honest (`stop` vs `length`) and runaway rates can be measured.
"""
from __future__ import annotations

import torch
from transformers import StoppingCriteria


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
    for tok in ("<|im_end|>", "<|eot_id|>", "<|end|>", "</s>", "<end_of_turn>", "<|endoftext|>"):
        if tok in vocab:
            ids.add(int(vocab[tok]))
    return sorted(ids)


class RepetitionGuard(StoppingCriteria):
    """Stops a row whose last `n`-gram already occurred `times - 1` times in its generated tokens."""

    def __init__(self, prompt_len: int, n: int = 8, times: int = 3):
        self.prompt_len, self.n, self.times = prompt_len, n, times
        self.triggered: set[int] = set()

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        if self.n <= 0:
            return done
        gen = input_ids[:, self.prompt_len:]
        if gen.shape[1] < self.n * self.times:
            return done
        tail = gen[:, -self.n:]
        # Count occurrences of the tail n-gram among all n-grams of the row: (B, L-n+1, n)
        windows = gen.unfold(1, self.n, 1)
        hits = (windows == tail[:, None, :]).all(-1).sum(-1)
        done = hits >= self.times
        for i in torch.nonzero(done).flatten().tolist():
            self.triggered.add(i)
        return done


class StopStrings(StoppingCriteria):
    """Ends a row once its decoded continuation contains one of the configured stop strings."""

    def __init__(self, tokenizer, prompt_len: int, stops: list[str]):
        self.tok, self.prompt_len, self.stops = tokenizer, prompt_len, [s for s in stops if s]
        self.window = 16  # tokens decoded at each step: enough for any reasonable stop string

    def __call__(self, input_ids: torch.LongTensor, scores, **kwargs) -> torch.BoolTensor:
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        if not self.stops:
            return done
        for i in range(input_ids.shape[0]):
            tail = self.tok.decode(input_ids[i, max(self.prompt_len, input_ids.shape[1] - self.window):],
                                   skip_special_tokens=False)
            done[i] = any(s in tail for s in self.stops)
        return done


def cut_at_stop_strings(text: str, stops: list[str]) -> tuple[str, bool]:
    cut = len(text)
    for s in stops:
        if s and s in text:
            cut = min(cut, text.index(s))
    return text[:cut], cut < len(text)
