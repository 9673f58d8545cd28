"""What `medrouter ask` prints: the answer once on stdout, its sources once, diagnostics on stderr."""
from medrouter.app.assistant import Answer, Source
from medrouter.app.commands import _print_answer


class _Stream:
    """The shape `_print_answer` reads (an AnswerStream): pieces, then `.answer`."""

    def __init__(self, answer: Answer):
        self.answer = answer

    def __iter__(self):
        yield self.answer.answer


def _answer(text: str) -> Answer:
    src = Source(1, "ibuprofen", None, 0.83, "Common side effects of ibuprofen include ...", origin="reference",
                 title="Ibuprofen", section="Common side effects", source_name="medrouter starter library")
    return Answer(route="medical_qa", expert="medical_qa", confidence=0.99, answer=text, finish_reason="stop",
                  sources=[src])


def test_quoted_answer_names_its_sources_once(capsys):
    text = "- Common side effects of ibuprofen include indigestion. [1]\n\nSources: [1] Ibuprofen — Common side effects"
    _print_answer(_Stream(_answer(text)))
    out, err = capsys.readouterr()
    assert out.count("Ibuprofen — Common side effects") == 1
    assert "[1] score 0.83" in err and "route medical_qa" in err


def test_answer_without_a_sources_line_lists_them_on_stdout(capsys):
    _print_answer(_Stream(_answer("Your report says the LDL was high [1].")))
    out, err = capsys.readouterr()
    assert "[1] Ibuprofen — Common side effects (reference: medrouter starter library)  (score 0.83)" in out
