"""A question from its model answers or its mark scheme: the import format, and a rubric built from it.

A teacher who brings a question writes only this (one question, or a list of them)::

    id: q-protein
    question: "List and describe four steps of protein synthesis."
    max_mark: 3
    model_answers:
      - "mRNA leaves the nucleus through a nuclear pore. ..."
      - {text: "A weaker answer ...", mark: 1}
    # optional:
    points:
      - "mRNA exits the nucleus via a nuclear pore"
      - "mRNA attaches to a ribosome"
      - "tRNA carries the complementary anticodon / anticodon pairs with codon"
      - "amino acids are joined by peptide bonds"
    marking: {kind: points, thresholds: {3: 4, 2: 3, 1: 1}}

A levels mark scheme is written as the examiners give it: each level's own band and
descriptor (``"1-4": "descriptor"``, or ``{marks: [1, 4], descriptor: ..., examples: [...]}``),
example answers per level with their marks, and the indicative content::

    marking:
      levels:
        "1-4": "Simple, general statements ..."
        "5-8": "..."
    indicative_content: ["...", "..."]
    model_answers: [{text: "...", mark: 6, level: 2}]

Everything else is derived. Keys are read as teachers write them (:mod:`marker.answer_keys`):
a point's alternatives (" / ", and " or ", ";", "/" between short parts), its "accept" and
"do not accept" lines become its wordings and ``reject``; a full-mark model answer of a points
or coverage question that lists answers ("Any two of: A / B / C", bullets, short lines) gives
one point per answer, marked by points ("any two of" in a 2-mark question: one mark each, up to
two) or, for one mark, each answer a full-mark model answer; a 1-mark key's key idea (its
``**bold**`` words, or the first clause the question does not already say) is one more
full-mark answer. Without points, each item of the indicative content is a point; without
either, spaCy splits the best model answer into clauses and each clause becomes a point, with
the matching clauses of the other full-mark answers as alternative wordings. Named entities
and noun chunks become the question's concepts. ``marking`` defaults to coverage of the model answer (marks in
proportion to how much of it the answer says), or to levels when levels are given;
``{kind: points}`` without thresholds gives one mark per point; ``{kind: levels}`` without
levels spreads the bands evenly. Example answers become model answers with their intended
level and mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from .answer_keys import KeyItem, ReadKeys, point_wordings, read_model_answers, split_alternatives
from .bank import QuestionBank
from .errors import RubricError, RubricErrors
from .import_format import (  # parse_specs, load_specs, is_import_file: the import format's readers
    MarkingSpec,
    ModelAnswerSpec,
    QuestionSpec,
    is_import_file,
    load_specs,
    parse_specs,
    scheme_problems,
)
from .nlp import MODEL_NAMES, with_entities
from .rubric import ModelAnswer, Question, Topic, validate_question
from .rubric_edit import even_levels
from .similarity import clauses, content_terms
from .spelling import english_words
from .tuning import TUNING

COMMAND_WORDS = (
    "explain",
    "describe",
    "list",
    "state",
    "name",
    "identify",
    "outline",
    "compare",
    "evaluate",
    "assess",
    "analyse",
    "analyze",
    "discuss",
    "why",
    "how",
    "what",
    "which",
    "when",
    "where",
    "who",
    "give",
    "suggest",
    "calculate",
    "predict",
    "justify",
)
ENTITY_KINDS = {
    "PERSON": "person",
    "GPE": "country",
    "LOC": "place",
    "FAC": "place",
    "ORG": "organisation",
    "NORP": "group",
    "EVENT": "event",
    "LAW": "treaty",
    "WORK_OF_ART": "idea",
    "PRODUCT": "idea",
}
#: The kinds of entity that name a place: their words are no people's name ("East" of "the Far East").
PLACE_KINDS = frozenset({"country", "place"})
#: Two clauses whose content words overlap this much say the same thing.
SAME_POINT = 0.5
#: A people's name shares this many first letters with its country's ("German", "Germany";
#: "British", "Britain"; "Japanese", "Japan"), which a town's name has no people's name to share.
DEMONYM_STEM = 4
#: The tag of a plural proper noun ("Bolsheviks", "Allies"): the name of a people, not of a place.
PLURAL_NAME = "NNPS"
#: Prepositions whose object is a person acting ("organised by Trotsky"), not a place.
AGENT_PREPOSITIONS = frozenset({"by"})

__all__ = [
    "Built",
    "MarkingSpec",
    "ModelAnswerSpec",
    "QuestionSpec",
    "bank_from_specs",
    "build",
    "is_import_file",
    "load_specs",
    "parse_specs",
    "split_alternatives",
    "write_built",
]


@dataclass
class Built:
    """A question built from its spec: ready to mark, save or edit."""

    question: Question
    topic: Topic
    model_answers: list[ModelAnswer]


def _slug(text: str, taken: set[str]) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:5] or ["point"]
    base = "-".join(words)[:60].strip("-") or "point"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _command_word(question: str) -> str:
    for word in re.findall(r"[a-z]+", question.lower())[:3]:
        if word in COMMAND_WORDS:
            return word
    return "answer"


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _derived_points(docs: list[Doc], marks: list[int]) -> list[tuple[str, list[str]]]:
    """Points from the clauses of the best model answer; similar clauses of the others are aliases."""
    top = max(marks)
    best = docs[marks.index(top)]
    pieces: list[Span | Doc] = clauses(best) or [best]
    points = [(p.text.strip(" .;"), [], content_terms(p)) for p in pieces]
    for doc, mark in zip(docs, marks, strict=True):
        if doc is best or mark < top:
            continue
        for clause in clauses(doc) or [doc]:
            terms = content_terms(clause)
            scored = [(_overlap(terms, p[2]), k) for k, p in enumerate(points)]
            score, k = max(scored)
            if score >= SAME_POINT and clause.text.strip(" .;") not in points[k][1]:
                points[k][1].append(clause.text.strip(" .;"))
    return [(label, aliases) for label, aliases, _terms in points]


def topic_for_id(question_id: str) -> str:
    """The topic id of an imported question that names none: its id as a slug ("Q3a" -> "q3a", "4.1" -> "4-1").

    >>> topic_for_id("Q3a"), topic_for_id("4.1"), topic_for_id("q-protein")
    ('q3a', '4-1', 'q-protein')
    """
    return re.sub(r"[^a-z0-9]+", "-", question_id.lower()).strip("-")


def build(spec: QuestionSpec, nlp: Language, source: str = "<questions>") -> Built:
    """Build the full rubric, topic and model answers of one imported question.

    Raises:
        RubricErrors: the mark scheme is inconsistent (see :func:`scheme_problems`), or the
            rubric built from it does not validate.
    """
    problems = scheme_problems(spec)
    if problems:
        raise RubricErrors(
            [RubricError(source, reason, field=".".join(map(str, loc))) for loc, reason in problems]
        )
    answers, keys = _read_answers(spec, nlp)
    # Named entities become concepts: the recogniser marking does not run runs here.
    docs = with_entities(nlp, nlp.pipe([a.text for _name, a in answers]))
    essay = spec.kind == "levels"
    concepts = _concepts(docs, with_entities(nlp, [nlp(spec.question)])[0] if essay else None, essay)
    topic_id = spec.topic or topic_for_id(spec.id)
    topic = Topic(
        schema_version=1,
        id=topic_id,
        title=spec.question if len(spec.question) <= 120 else spec.question[:119] + "\u2026",
        concepts=list(concepts.values()),
    )
    data = {
        "schema_version": 1,
        "id": spec.id,
        "topic": topic_id,
        "question": spec.question,
        "command_word": spec.command_word or _command_word(spec.question),
        "max_mark": spec.max_mark,
        "marking": _marking(spec, keys),
        "points": _points(spec, docs, [a for _name, a in answers], concepts, keys.items),
    }
    if spec.points and spec.indicative_content:
        # Points were given: the content list is kept beside them for teachers to read.
        data["indicative_content"] = list(spec.indicative_content)
    question = validate_question(data, f"{source} (question {spec.id})")
    return Built(question, topic, _model_answers(spec, answers))


def _read_answers(spec: QuestionSpec, nlp: Language) -> tuple[list[tuple[str, ModelAnswerSpec]], ReadKeys]:
    """The model answers to keep, named; a points or coverage question's keys are read (see
    :mod:`marker.answer_keys`): alternatives, accept / reject lines, key ideas."""
    answers = spec.answers()
    n_plain = len(spec.model_answers)
    if spec.kind == "levels":
        per_level: dict[int | None, int] = {}
        named = []
        for i, a in enumerate(answers):
            if i < n_plain:
                named.append((f"model-{i + 1}", a))
                continue
            per_level[a.level] = per_level.get(a.level, 0) + 1
            suffix = f"-{per_level[a.level]}" if per_level[a.level] > 1 else ""
            named.append((f"level-{a.level}-example{suffix}", a))
        return named, ReadKeys([], [], None)
    keys = read_model_answers(
        spec.question, spec.max_mark, [(a.text, a.mark, a.level) for a in answers], n_plain, nlp
    )
    named = [
        (name, ModelAnswerSpec(text=text, mark=mark, level=level)) for name, text, mark, level in keys.answers
    ]
    return named, keys


def _concepts(docs: list[Doc], question: Doc | None = None, essay: bool = False) -> dict[str, dict[str, Any]]:
    """The question's concepts: named entities, and the noun chunks that name its ideas.

    A name is specific evidence (a person, a place) where a general idea is not: the kind decides
    what counts as a precise detail (:func:`marker.features.precision`) and which names are read
    through misspellings. The recogniser tags towns and countries alike as places with a
    government (GPE), so a GPE is a country when the answers make it act (the subject of a verb,
    or joined to one: "Britain, France and Japan landed troops"), make it a party ("the armistice
    with Germany") or name its people ("German", "Japanese", here or in the question, but not a
    word of a place's own name: "Eastern Front"), a people when it is one plural word after "the"
    ("the Bolsheviks"), and a place otherwise ("landed at Murmansk", "an attack on Moscow"). A
    proper noun the recogniser missed ("troops to Vladivostok", "organised by Trotsky") is a name,
    not an idea. Both readings are an essay's (``essay``: a question marked by
    levels, whose precision counts names); a short answer's concepts keep the recogniser's kinds,
    with which its matching was measured.
    """
    concepts: dict[str, dict[str, Any]] = {}
    gpe_kinds = _gpe_kinds(docs, [*docs, question] if question is not None else docs)
    for doc in docs:
        for ent in doc.ents:
            kind = ENTITY_KINDS.get(ent.label_)
            name = ent.text.strip()
            # A lone capitalised word tagged PERSON is usually a sentence-initial noun ("Glucose").
            if kind == "person" and len(ent) < 2:
                continue
            if essay and kind == "country":
                kind = gpe_kinds[name.lower()]
            if kind and len(name) > 1:
                cid = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
                if cid:
                    concepts.setdefault(cid, {"id": cid, "label": name, "kind": kind})
    # Noun chunks name the ideas of a short answer ("a closed path", "carbon dioxide"): each
    # becomes a concept, so a point is also credited for naming its ideas in other words' company.
    for doc in docs:
        for chunk in doc.noun_chunks:
            words = [t for t in chunk if not (t.is_stop or t.is_punct or t.pos_ in ("DET", "PRON"))]
            if not words or words[-1].pos_ not in ("NOUN", "PROPN") or len(words[-1].text) < 4:
                continue
            name = chunk.doc[words[0].i : words[-1].i + 1].text.strip()
            cid = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80].strip("-")
            if cid and len(name) > 3:
                kind = _chunk_kind(words) if essay else "idea"
                concepts.setdefault(cid, {"id": cid, "label": name, "kind": kind})
    return concepts


def _gpe_kinds(docs: list[Doc], read: list[Doc]) -> dict[str, str]:
    """The kind of each place with a government the answers ``docs`` name (lower case), as
    :func:`_concepts` reads them; ``read`` adds the question, whose words may name a people."""
    # Capitalised words: a country's people ("Russian", "German") shares its name's first letters.
    # A word of a place's own name ("Eastern Front", "the Far East") is no people's.
    capitalised = {
        t.lower_
        for doc in read
        for t in doc
        if t.is_alpha and t.text[:1].isupper() and ENTITY_KINDS.get(t.ent_type_) not in PLACE_KINDS
    }
    ents = [ent for doc in docs for ent in doc.ents]
    names = [ent for ent in ents if ENTITY_KINDS.get(ent.label_) == "country"]
    # A country acts, or is a party to something ("the armistice with Germany").
    acting = {ent.text.strip().lower() for ent in ents if _acts(ent.root) or _is_party(ent.root)}
    # A people's plural name ("the Bolsheviks"), which the recogniser may tag as a place.
    peoples = {ent.text.strip().lower() for ent in names if _plural_people(ent)}
    kinds = {}
    for ent in names:
        name = ent.text.strip().lower()
        bare = name.removeprefix("the ")
        people = any(w != bare and w[:DEMONYM_STEM] == bare[:DEMONYM_STEM] for w in capitalised)
        kinds[name] = "group" if name in peoples else "country" if name in acting or people else "place"
    return kinds


def _first_conjunct(token: Token) -> Token:
    """The first of the words joined by "and" to ``token`` ("Britain, France and Japan": Britain)."""
    while token.dep_ == "conj" and token.head is not token:
        token = token.head
    return token


def _acts(token: Token) -> bool:
    """Whether a word is the subject of a verb, or joined by "and" to one that is."""
    return _first_conjunct(token).dep_ in ("nsubj", "nsubjpass")


def _is_party(token: Token) -> bool:
    """Whether a name is the object of a preposition that takes a party ("the armistice with
    Germany": ``TUNING.keys.party_prepositions``), or joined by "and" to one that is."""
    token = _first_conjunct(token)
    return token.dep_ == "pobj" and token.head.lower_ in TUNING.keys.party_prepositions


def _plural_people(ent: Span) -> bool:
    """Whether a name is one word in the plural after "the" ("the Bolsheviks": its singular an
    English word, so "the Netherlands" is not one), which names a people, not a country or town."""
    word = ent.text.strip()
    before = ent.doc[ent.start - 1].lower_ if ent.start else ""
    return (
        len(ent) == 1
        and before == "the"
        and word[:1].isupper()
        and word.endswith("s")
        and word[:-1].lower() in english_words(MODEL_NAMES)
    )


def _chunk_kind(words: list[Token]) -> str:
    """A noun chunk's kind: a name the recogniser missed (every word a capitalised proper noun, none
    tagged as an entity) is a people when it is a plural ("the Allies"), a place when it is where
    something happens ("troops to Vladivostok"), else a person; anything else is an idea."""
    # A lone name tagged PERSON is no entity concept (see above), so it may be read here.
    if not all(t.pos_ == "PROPN" and t.text[:1].isupper() and t.ent_type_ in ("", "PERSON") for t in words):
        return "idea"
    head = words[-1]
    if head.tag_ == PLURAL_NAME:
        return "group"
    while head.dep_ == "conj" and head.head is not head:
        head = head.head
    preposition = head.head if head.dep_ == "pobj" else None
    if preposition is not None and preposition.lower_ not in AGENT_PREPOSITIONS:
        return "place"
    return "person"


def _points(
    spec: QuestionSpec,
    docs: list[Doc],
    answers: list[ModelAnswerSpec],
    concepts: dict[str, dict[str, Any]],
    key_items: list[KeyItem],
) -> list[dict[str, Any]]:
    """The points to credit: those given, else the indicative content, else the items of a key
    that lists them, else the best answer's clauses."""
    if spec.points:
        items = [item for p in spec.points if (item := point_wordings(p)).accepted]
        raw = [(i.accepted[0], i.accepted[1:], i.reject) for i in items]
    elif spec.indicative_content:
        # Examiners' content items are whole statements: " or " inside one is not an alternative.
        raw = [(item.strip(), [], []) for item in spec.indicative_content if item.strip()]
    elif key_items:
        raw = [(i.accepted[0], i.accepted[1:], i.reject) for i in key_items if i.accepted]
    else:
        raw = [(label, aliases, []) for label, aliases in _derived_points(docs, [a.mark for a in answers])]
    taken: set[str] = set()
    points = []
    for label, aliases, reject in raw:
        text = " ".join([label, *aliases]).lower()
        linked = [c["id"] for c in concepts.values() if c["label"].lower() in text]
        point = {"id": _slug(label, taken), "label": label, "aliases": list(aliases), "concepts": linked}
        if reject:
            point["reject"] = list(reject)
        points.append(point)
    return points


def _marking(spec: QuestionSpec, keys: ReadKeys) -> dict[str, Any]:
    """The rubric's marking; levels keep the bands and descriptors given (even bands only when none are).

    A key listing several short answers for a question of more than one mark is marked by points:
    one mark per answer, or ``max_mark // n`` per answer when it asks for ``n`` ("any two of"). A
    key listing explanatory sentences stays a coverage question (:attr:`ReadKeys.lists_phrases`).
    """
    marking_spec = spec.marking or MarkingSpec()
    kind = spec.kind
    if spec.marking is None and spec.max_mark > 1 and keys.lists_phrases and not spec.points:
        kind = "points"
        n = keys.count
        if n and n < spec.max_mark and not marking_spec.thresholds:
            each = spec.max_mark // n
            return {"kind": "points", "thresholds": {each * k: k for k in range(1, n + 1)}}
    if kind == "points":
        marking: dict[str, Any] = {"kind": "points"}
        if marking_spec.thresholds:
            marking["thresholds"] = dict(marking_spec.thresholds)
        return marking
    if kind == "coverage":
        coverage: dict[str, Any] = {"kind": "coverage"}
        if marking_spec.full_at:
            coverage["full_at"] = marking_spec.full_at
        if keys.parts:
            coverage["parts"] = list(keys.parts)
        return coverage
    if not marking_spec.levels:
        return even_levels(spec.max_mark)
    levels = [
        {"level": i + 1, "marks": list(lv.marks), "descriptor": lv.descriptor.strip() or f"Level {i + 1}."}
        for i, lv in enumerate(marking_spec.levels)
    ]
    return {"kind": "levels", "levels": levels}


def _model_answers(spec: QuestionSpec, answers: list[tuple[str, ModelAnswerSpec]]) -> list[ModelAnswer]:
    """Model answers first (``model-1``, its alternatives ``model-1-2``...), then each level's examples."""
    out = []
    for name, a in answers:
        level = a.level if spec.kind == "levels" else None
        out.append(
            ModelAnswer(question=spec.id, intended_mark=a.mark, intended_level=level, text=a.text, name=name)
        )
    return out


def bank_from_specs(specs: list[QuestionSpec], nlp: Language, source: str = "<questions>") -> QuestionBank:
    """An in-memory question bank holding the imported questions."""
    bank = QuestionBank()
    for spec in specs:
        built = build(spec, nlp, source)
        known = bank.topics.get(built.topic.id)
        if known is None:
            bank.topics[built.topic.id] = built.topic
        else:  # questions sharing a topic share its concepts
            merged = {c.id: c for c in [*known.concepts, *built.topic.concepts]}
            bank.topics[known.id] = known.model_copy(update={"concepts": list(merged.values())})
        bank.add_question(built.question)
        for answer in built.model_answers:
            bank.add_model_answer(answer)
    return bank


def write_built(built: Built, rubrics_dir: str | Path, answers_dir: str | Path) -> list[Path]:
    """Write a built question as rubric files a teacher can edit (and the bank loads)."""
    rubrics, answers = Path(rubrics_dir), Path(answers_dir)
    (rubrics / "topics").mkdir(parents=True, exist_ok=True)
    (rubrics / "questions").mkdir(parents=True, exist_ok=True)
    written = []
    topic_path = rubrics / "topics" / f"{built.topic.id}.yaml"
    topic_path.write_text(_yaml(built.topic.model_dump(mode="json", exclude_defaults=True)), encoding="utf-8")
    question_path = rubrics / "questions" / f"{built.question.id}.yaml"
    question_path.write_text(
        _yaml(built.question.model_dump(mode="json", exclude_defaults=True)), encoding="utf-8"
    )
    written += [topic_path, question_path]
    folder = answers / built.question.id
    folder.mkdir(parents=True, exist_ok=True)
    for answer in built.model_answers:
        path = folder / f"{answer.name}.md"
        front = {"question": answer.question, "intended_mark": answer.intended_mark}
        if answer.intended_level is not None:
            front["intended_level"] = answer.intended_level
        front = _yaml(front)
        path.write_text(f"---\n{front}---\n{answer.text}\n", encoding="utf-8")
        written.append(path)
    return written


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
