"""Typed errors. Every error a user can cause derives from MedrouterError and carries a message
that says what to do; the CLI prints it on one line and exits with `exit_code`."""
from __future__ import annotations


class MedrouterError(Exception):
    """Base class for errors caused by input or configuration (not by bugs)."""

    exit_code = 1


class UsageError(MedrouterError):
    """Bad command-line or API input: empty text, text too long, unknown option value."""

    exit_code = 2


class InputError(UsageError):
    """The request text or an uploaded file cannot be used as given."""


class ConfigError(MedrouterError):
    """`experts.yaml` (or another config file) is malformed; lists every problem with its YAML path."""

    exit_code = 2

    def __init__(self, problems: list[str] | str, source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        if len(self.problems) == 1:
            msg = f"{where}{self.problems[0]}"
        else:
            msg = f"{where}{len(self.problems)} problems: " + "; ".join(self.problems)
        super().__init__(msg)


class ModelNotFoundError(MedrouterError):
    """A configured model path (base LM, embedding model) does not exist or is not a model."""

    exit_code = 2


class UnknownExpertError(MedrouterError, KeyError):
    """An expert name that is not configured."""

    exit_code = 2

    @classmethod
    def named(cls, name: str, configured) -> UnknownExpertError:
        """The one wording of this error, wherever an expert name is looked up."""
        return cls(f"unknown expert '{name}'; configured: {', '.join(configured)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "unknown expert"


class UnknownRouteError(MedrouterError, KeyError):
    exit_code = 2

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown route"


class AdapterError(MedrouterError):
    """An expert's LoRA adapter is missing, corrupted or made for another base model."""

    exit_code = 2


class RouterHeadError(MedrouterError):
    """The fitted router head is missing, corrupted or fitted on another config."""

    exit_code = 2


class RetrievalError(MedrouterError):
    """A collection or document problem: unknown collection, corrupted index, bad file."""

    exit_code = 2


class QueueFullError(MedrouterError):
    """The generation queue is full (`serve.max_batch` rows decoding and `serve.max_queue` waiting): try
    again after `retry_after` seconds. The HTTP server answers 429 with a Retry-After header."""

    exit_code = 2

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
