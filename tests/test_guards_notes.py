"""Advisories on terse technical short answers, with the real pipeline.

University short answers are often notes: lines of terms, acronyms and parallel items, few
function words. A right answer in that form is neither keyword salad nor "not English" nor a
template, and must keep the mark its content earns; a bare list of the question's names, an
answer in another language and gibberish are still caught. The questions and answers here were
written for these tests (computer networking, in the style of a university course).
"""

from __future__ import annotations

import pytest
import yaml

QUESTIONS = [
    {
        "id": "tcp-udp-headers",
        "question": "Name the main differences between the TCP header and the UDP header.",
        "max_mark": 2,
        "model_answers": [
            "The UDP header is 8 bytes long and holds the source port, the destination port, the length "
            "and the checksum. The TCP header is at least 20 bytes long and adds a sequence number, an "
            "acknowledgement number, a header length, flags, an advertised window and an urgent pointer."
        ],
    },
    {
        "id": "link-services",
        "question": "Name the three service classes of the data link layer and say what each one offers.",
        "max_mark": 2,
        "model_answers": [
            "An unconfirmed connectionless service sends frames without acknowledgement, so frames may be "
            "lost. A confirmed connectionless service acknowledges every frame and sends it again after a "
            "timeout. A connection-oriented service sets up a connection first and offers flow control "
            "with no loss, no duplicates and no reordering."
        ],
    },
    {
        "id": "hop-broadcast",
        "question": (
            "With reverse path broadcast from A, which packets are forwarded and which are dropped in the "
            "first two hops? Write them as (sender, receiver, forward or drop)."
        ),
        "max_mark": 2,
        "model_answers": [
            "Hop 1: (A, B, forward), (A, C, forward), (A, D, drop). Hop 2: (B, E, forward), (C, F, drop), "
            "because F is not on the shortest path back to A through C."
        ],
    },
    {
        "id": "ipv6-goals",
        "question": "Name four objectives of IPv6.",
        "max_mark": 2,
        "model_answers": [
            "IPv6 aims to support billions of end systems, to reduce the size of routing tables, to "
            "simplify protocol processing in routers, to increase security and to support multicasting."
        ],
    },
]

#: Right answers written as notes (each held below its mark on main by an advisory).
RIGHT_NOTES = {
    "header notes": (
        "tcp-udp-headers",
        "- UDP header: 8 bytes, only ports, length and checksum\n- TCP header: 20 bytes or more\n"
        "- TCP adds sequence number and acknowledgement number\n"
        "- TCP has flags and an advertised window for flow control\n- UDP has no urgent pointer",
    ),
    "one sentence listing fields": (
        "tcp-udp-headers",
        "TCP headers carry a sequence number, an acknowledgement number, flags and an advertised window, "
        "while the 8-byte UDP header has only ports, length and checksum.",
    ),
    "numbered service notes": (
        "link-services",
        "1. Unconfirmed connectionless: no ACK, lost frames not resent\n"
        "2. Confirmed connectionless: each frame ACKed, resent after timeout\n"
        "3. Connection-oriented: connection set up first, flow control, no loss, no duplicates",
    ),
    "terse service notes": (
        "link-services",
        "Unconfirmed conn.less service: frames sent, no acknowledgement, loss possible. Confirmed conn.less "
        "service: every frame acknowledged, retransmission on timeout. Conn.oriented service: setup, "
        "transfer, release, flow control.",
    ),
    "tuples the question asks for": (
        "hop-broadcast",
        "Hop 1:\n(A, B, forward)\n(A, C, forward)\n(A, D, drop)\nHop 2:\n(B, E, forward)\n(C, F, drop)\n(B, C, drop)",
    ),
    "parallel goals": (
        "ipv6-goals",
        "To support more end systems.\nTo reduce routing tables.\nTo simplify protocol processing.\n"
        "To increase security.\nTo support multicasting.",
    ),
}

GAMING = {"keyword-salad", "not-english", "formulaic"}


@pytest.fixture(scope="module")
def notes_marker(tmp_path_factory):
    from marker.engine import load_marker

    path = tmp_path_factory.mktemp("notes") / "questions.yaml"
    path.write_text(yaml.safe_dump(QUESTIONS, sort_keys=False), encoding="utf-8")
    return load_marker(path)


@pytest.mark.parametrize("name", sorted(RIGHT_NOTES))
def test_guards_right_notes_are_not_flagged_or_held_down(notes_marker, name):
    question_id, text = RIGHT_NOTES[name]
    fb = notes_marker.mark(question_id, text)
    assert not {a.code for a in fb.advisories} & GAMING, [a.message for a in fb.advisories]
    assert "held at" not in fb.summary
    assert fb.mark >= 1, fb.summary


def test_guards_bare_list_of_the_questions_names_is_still_salad(notes_marker):
    names = (
        "sequence number, acknowledgement number, checksum, source port, destination port, advertised "
        "window, urgent pointer, flags, header length, TCP header, UDP header, sequence number, checksum, "
        "advertised window, urgent pointer"
    )
    fb = notes_marker.mark("tcp-udp-headers", names)
    assert [a.code for a in fb.advisories] == ["keyword-salad"]
    assert fb.mark <= 1 and "held at 1 by an advisory" in fb.summary


@pytest.mark.parametrize(
    "text",
    [
        "Der UDP-Header ist nur acht Byte lang und hat keine Sequenznummer, während der TCP-Header mindestens "
        "zwanzig Byte hat und außerdem Bestätigungsnummern, Flags und die Fenstergröße enthält.",
        "asdkj qwpeoi zmxncb qwe poiuy lkjhg mnbvc xzasd qwert yuiop asdfg hjkl zxcvb nmlkj poiuyt rewq lkjh mnbv",
    ],
    ids=["german", "gibberish"],
)
def test_guards_another_language_or_gibberish_is_still_not_english(notes_marker, text):
    fb = notes_marker.mark("tcp-udp-headers", text)
    assert "not-english" in {a.code for a in fb.advisories}
    assert fb.mark == 0


def test_guards_english_share_tells_notes_from_another_language(notes_marker):
    """Terse English notes are poor in stopwords but rich in English words; German is neither."""
    from marker.evidence import gather
    from marker.guards import english_share, english_words
    from marker.nlp import MODEL_NAMES

    def evidence(text):
        index = notes_marker.index(notes_marker.bank.question("link-services"))
        return gather(notes_marker.nlp(text), index)

    assert len(english_words(MODEL_NAMES)) > 50_000
    notes = evidence(RIGHT_NOTES["terse service notes"][1])
    german = evidence(
        "Jeder Rahmen wird bestätigt und nach einer Zeitüberschreitung erneut gesendet, ohne Verluste."
    )
    assert notes.stopword_share < 0.2 and english_share(notes) > 0.85
    assert english_share(german) < 0.5
