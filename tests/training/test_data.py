"""Data builders on small fixtures in each source's real column schema (no hub here)."""
from __future__ import annotations

from pathlib import Path

import pytest

from training import data as D
from training.config import SourceSpec

FIX = Path(__file__).parent / "fixtures"
REPLY = "I can only help with medical questions, medical documents and health advice."
CTX = D.BuildContext(refusal_reply=REPLY)


def build(builder, path=None, **kw):
    return D.build_source(SourceSpec(builder=builder, path=str(FIX / path) if path else None, **kw), CTX)


def test_registry_has_every_original_source():
    assert {"medquad", "wikidoc", "wiki_medical_terms", "fhirfly_medicalquestions", "family_plus_llama",
            "chat", "icd10cm", "routing_refusal"} <= set(D.BUILDERS)


def test_medquad_answers_are_cut_to_sentences():
    exs = build("medquad", "medquad.csv", options={"max_answer_sentences": 2})
    assert len(exs) == 4 and {e.task for e in exs} == {"medical_qa"}
    glaucoma = exs[0].messages
    assert glaucoma[0] == {"role": "user", "content": "What is (are) Glaucoma ?"}
    assert glaucoma[1]["content"].endswith("people over 60.") and "Open-angle" not in glaucoma[1]["content"]


def test_wikidoc_uses_input_as_question_and_skips_empty():
    exs = build("wikidoc", "wikidoc.json")
    assert [e.messages[0]["content"] for e in exs][:2] == ["What is the definition of hypokalemia?", "What causes cellulitis?"]
    assert len(exs) == 4  # the empty-input row falls back to the instruction
    assert exs[2].messages[0]["content"] == "Answer this question truthfully"


def test_wiki_medical_terms_from_jsonl_and_parquet(tmp_path):
    import datasets

    exs = build("wiki_medical_terms", "wiki_medical_terms.jsonl")
    assert "Paracetamol poisoning" in exs[0].messages[0]["content"]
    assert "[1]" not in exs[0].messages[1]["content"]
    rows = datasets.load_dataset("json", data_files=str(FIX / "wiki_medical_terms.jsonl"), split="train")
    rows.to_parquet(str(tmp_path / "train.parquet"))
    spec = SourceSpec(builder="wiki_medical_terms", path=str(tmp_path / "train.parquet"))
    assert len(D.build_source(spec, CTX)) == 3


def test_fhirfly_non_medical_questions_become_refusals():
    exs = build("fhirfly_medicalquestions", "fhirfly_medicalquestions.csv")
    assert [e.messages[0]["content"] for e in exs] == [
        "How do I reset my router password?", "What is the capital of Australia?", "Write a haiku about autumn leaves."]
    assert all(e.task == "refusal" and e.messages[1]["content"] == REPLY for e in exs)



def test_routing_refusal_turns_out_of_scope_rows_into_refusals(tmp_path):
    import json

    rows = [{"text": "What is a computer virus?", "label": "out_of_scope"},
            {"text": "What is a heart attack?", "label": "medical_qa"},
            {"text": "   ", "label": "out_of_scope"},
            {"text": "Explain my lab report", "label": "advice"},
            {"text": "Best pizza dough recipe", "label": "out_of_scope"}]
    f = tmp_path / "routing.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    exs = D.build_source(SourceSpec(builder="routing_refusal", path=str(f)), CTX)
    assert [e.messages[0]["content"] for e in exs] == ["What is a computer virus?", "Best pizza dough recipe"]
    assert all(e.task == "refusal" and e.messages[1]["content"] == REPLY for e in exs)
    other = D.build_source(SourceSpec(builder="routing_refusal", path=str(f), options={"label": "advice"}), CTX)
    assert [e.messages[0]["content"] for e in other] == ["Explain my lab report"]


def test_shipped_refusal_sources_never_contain_held_out_prompts():
    """The experts' refusal rate is measured on held_out/refusal.jsonl: no training source may hold those prompts."""
    import json

    root = Path(__file__).resolve().parents[2]
    held = {json.loads(line)["messages"][0]["content"].strip().lower()
            for line in (root / "data/train/held_out/refusal.jsonl").read_text().splitlines() if line.strip()}
    train = {json.loads(line)["text"].strip().lower()
             for line in (root / "data/routing/train.jsonl").read_text().splitlines() if line.strip()}
    train |= {json.loads(line)["messages"][0]["content"].strip().lower()
              for line in (root / "data/train/refusal.jsonl").read_text().splitlines() if line.strip()}
    assert held and not held & train

def test_family_plus_llama_parses_both_conversation_formats():
    exs = build("family_plus_llama", "family_plus_llama.jsonl")
    assert [e.messages[0]["content"] for e in exs] == ["What is asthma?", "What does a pulse oximeter measure?"]
    assert exs[0].messages[1]["content"].endswith("shortness of breath.")


def test_chat_jsonl_and_csv():
    exs = build("chat", "chat.jsonl")
    assert [e.task for e in exs] == ["summarization", "advice", "refusal"]
    assert exs[1].messages[0]["content"].startswith("Excerpts from the user's documents:")
    csv = build("chat", "chat.csv")
    assert [e.task for e in csv] == ["medical_qa", "refusal"]
    assert build("chat", "chat.jsonl", rows="1:")[0].task == "advice"


def test_icd10cm_questions_match_the_package():
    import simple_icd_10_cm as icd

    exs = build("icd10cm", limit=20)
    assert len(exs) == 20
    for e in exs:
        q, a = e.messages[0]["content"], e.messages[1]["content"]
        code = (q.split("code ")[1].split(" describe")[0] if q.startswith("What does") else a.rsplit(" is ", 1)[1].rstrip("."))
        assert icd.is_valid_item(code)
        assert icd.get_description(code).lower()[:20] in (q + a).lower()


def test_unknown_schema_names_expected_columns():
    with pytest.raises(D.DataError) as err:
        build("medquad", "unknown_schema.csv")
    msg = str(err.value)
    assert "expects columns (qtype, Question, Answer)" in msg and "found: question, reply" in msg


def test_empty_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(D.DataError, match="empty"):
        build("chat", "empty.jsonl")
    (tmp_path / "header_only.csv").write_text("qtype,Question,Answer\n")
    with pytest.raises(D.DataError, match="empty"):
        D.build_source(SourceSpec(builder="medquad", path=str(tmp_path / "header_only.csv")), CTX)


def test_missing_source_and_offline_hub_name():
    with pytest.raises(D.DataError, match="not found"):
        D.load_rows("no_such_file.jsonl")
    with pytest.raises(D.DataError, match="cannot load data source 'keivalya/MedQuad-MedicalQnADataset'"):
        D.load_rows("keivalya/MedQuad-MedicalQnADataset")


def test_mix_follows_weights_and_upsamples():
    a = [D.Example([{"role": "user", "content": f"a{i}"}, {"role": "assistant", "content": "x"}], "qa") for i in range(50)]
    b = [D.Example([{"role": "user", "content": "b"}, {"role": "assistant", "content": "y"}], "refusal")]
    mixed, rep = D.mix([("a", 3.0, a), ("b", 1.0, b)], total=20, seed=1)
    assert len(mixed) == 20 and rep.per_task == {"qa": 15, "refusal": 5}
    assert rep.per_source["b"]["upsampled"] and not rep.per_source["a"]["upsampled"]


def test_fit_to_length_truncates_the_document_and_drops_long_answers(lm):
    tok = lm.tokenizer
    doc = "Report. " + "The patient walked in the park. " * 200 + "Question: summarize the vital signs."
    long_doc = D.Example([{"role": "user", "content": doc}, {"role": "assistant", "content": "Vital signs: normal."}], "s")
    long_answer = D.Example([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "word " * 400}], "s")
    short = D.Example([{"role": "user", "content": "What is a fever?"}, {"role": "assistant", "content": "A raised temperature."}], "qa")
    rep = D.MixReport()
    out = D.fit_to_length([long_doc, long_answer, short], "System.", tok, 256, rep)
    assert (rep.truncated, rep.dropped) == (1, 1) and len(out) == 2
    fitted = out[0].messages[0]["content"]
    assert D.TRUNCATION_NOTE.strip() in fitted and fitted.endswith("summarize the vital signs.")
    assert out[0].messages[1]["content"] == "Vital signs: normal."
    ids = tok.apply_chat_template([{"role": "system", "content": "System."}] + out[0].messages)["input_ids"]
    assert len(ids) <= 256
