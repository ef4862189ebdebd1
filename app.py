"""marker's Streamlit app: a thin entry for `make run` (`streamlit run app.py`).

The navigation and pages live in the package (``marker/app/``), so an installed wheel runs
the same app with ``marker app``.
"""

from marker.app.main import run

run()
