"""The app's icons: plain Unicode symbols that Streamlit accepts as emoji.

Not ``:material/...`` icons: for the page icon Streamlit makes the browser fetch an SVG from
fonts.gstatic.com, and nothing may leave the machine. Each symbol here is also in DejaVu Sans
(Debian's default font), so it draws even where no colour-emoji font is installed.
"""

from __future__ import annotations

ICON = {
    "app": "\u2611",  # ☑ ballot box with check
    "practise": "\u270d",  # ✍ writing hand
    "rubrics": "\u2699",  # ⚙ gear
    "calibrate": "\u2696",  # ⚖ scales
    "batch": "\u2714",  # ✔ check mark
    "class": "\u263a",  # ☺ smiling face (the class's codes)
    "write": "\u270f",  # ✏ pencil
    "done": "\u2714",  # ✔
    "error": "\u2716",  # ✖
    "warning": "\u26a0",  # ⚠
    "info": "\u2139",  # ℹ
    "upload": "\u2b06",  # ⬆
    "download": "\u2b07",  # ⬇
}
