"""The README's examples must stay true."""

from __future__ import annotations

import re
from pathlib import Path

from marker.bank import QuestionBank, cross_check
from marker.rubric import parse_question

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_docs_readme_rubric_example_is_valid_and_marks():
    block = re.search(r"```yaml\n(schema_version: 1\nid: rapallo-terms.*?)```", README, re.S).group(1)
    question = parse_question(block, "README.md")
    bank = QuestionBank.load()
    assert cross_check(question, bank.topics, None) == []
    assert question.marking.mark_for(3, question.max_mark) == 2


def test_docs_readme_shows_both_commands_first():
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block


def test_docs_readme_import_format_examples_parse():
    from marker.import_format import parse_specs

    blocks = re.findall(r"```yaml\n(- id: .*?)```", README, re.S)
    specs = {s.id: s for block in blocks for s in parse_specs(block, "README.md")}
    assert {"bulb-circuit", "photosynthesis", "intervention-failure", "intervention-account"} <= set(specs)
    assert specs["intervention-failure"].bands() == [(1, 4), (5, 8), (9, 12), (13, 16)]
    assert specs["intervention-account"].bands() == [(1, 2), (3, 5), (6, 8)]
    assert specs["intervention-account"].answers()[0].level == 2
