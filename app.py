"""marker's Streamlit app: a thin entry that builds the navigation. Run with `make run`."""

import streamlit as st

st.set_page_config(page_title="marker", page_icon=":material/grading:", layout="wide")

pages = {
    "Students": [st.Page("ui/practice.py", title="Practise", icon=":material/edit_note:", default=True)],
    "Teachers": [
        st.Page("ui/rubrics.py", title="Rubrics", icon=":material/tune:"),
        st.Page("ui/calibration.py", title="Calibrate & agreement", icon=":material/balance:"),
        st.Page("ui/batch.py", title="Batch marking", icon=":material/fact_check:"),
    ],
}
st.navigation(pages).run()
