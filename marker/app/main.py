"""The Streamlit app's navigation: the one entry both ``app.py`` and ``marker app`` run.

The pages sit beside this file, so the app runs the same from the source tree and from an
installed wheel. Only this package (``marker.app``) imports streamlit; the core never does.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from marker.app.icons import ICON

PAGES = Path(__file__).resolve().parent


def run() -> None:
    """Build the page navigation and run the chosen page (Streamlit calls this on every rerun)."""
    st.set_page_config(page_title="marker", page_icon=ICON["app"], layout="wide")
    pages = {
        "Students": [st.Page(PAGES / "practice.py", title="Practise", icon=ICON["practise"], default=True)],
        "Teachers": [
            st.Page(PAGES / "rubrics.py", title="Rubrics", icon=ICON["rubrics"]),
            st.Page(PAGES / "calibration.py", title="Calibrate & agreement", icon=ICON["calibrate"]),
            st.Page(PAGES / "batch.py", title="Batch marking", icon=ICON["batch"]),
            st.Page(PAGES / "class_access.py", title="Class access", icon=ICON["class"]),
        ],
    }
    st.navigation(pages).run()


if __name__ == "__main__":
    run()
