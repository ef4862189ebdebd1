"""The Batch page's check of scans and photos: what OCR read, for the teacher to correct before marking."""

from __future__ import annotations

import hashlib
from pathlib import Path

import streamlit as st

from marker.batch import needs_check
from marker.ingest import ingest
from marker.scripts import Script

from .shared import md

#: Session key of the scripts read by OCR that wait for the teacher's check.
REVIEW_KEY = "batch_scans"
_TEXT_PREFIX = "batch_scan_text_"


def read_by_ocr(source: Path) -> list[Script]:
    """The scripts of an upload that OCR read (reading is cached, so marking does not read them again)."""
    return [s for s in ingest(source).scripts if s.ocr_confidence is not None]


def _key(script: Script) -> str:
    return _TEXT_PREFIX + hashlib.sha256(f"{script.source}\0{script.script_id}".encode()).hexdigest()[:12]


def keep(scripts: list[Script]) -> None:
    """Hold the scripts for checking; the text boxes start from what OCR read."""
    for key in [k for k in st.session_state if str(k).startswith(_TEXT_PREFIX)]:
        del st.session_state[key]
    st.session_state[REVIEW_KEY] = scripts


def pending() -> list[Script]:
    return st.session_state.get(REVIEW_KEY) or []


def clear() -> None:
    st.session_state.pop(REVIEW_KEY, None)


def texts() -> dict[str, str]:
    """script id -> the text in its box (as read, or as the teacher corrected it)."""
    return {s.script_id: st.session_state.get(_key(s), s.text) for s in pending()}


def show() -> bool:
    """The transcriptions in editable boxes, unsure ones open first; True when the teacher marks them."""
    scripts = sorted(pending(), key=lambda s: (not needs_check(s), s.script_id))
    st.subheader(f"Check what was read from scans and photos ({len(scripts)})")
    st.caption(
        "These scripts were read by OCR. Compare each text with the student's script and correct it "
        "where it differs: what is in the box is what gets marked. Handwriting is often misread."
    )
    for script in scripts:
        unsure = needs_check(script)
        who = script.student or script.script_id
        label = f"{who} ({Path(script.source).name}): read with {script.ocr_confidence:.0%} confidence"
        with st.expander(md(label + (", check it" if unsure else "")), expanded=unsure):
            if script.ocr_doubtful:
                st.warning(md("Read with low confidence: " + "; ".join(script.ocr_doubtful)))
            st.text_area("Text to mark", value=script.text, key=_key(script), height=220)
    return st.button("Mark with these texts", type="primary", key="batch_run_checked")
