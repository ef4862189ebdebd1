"""What an installed wheel relies on: ``marker app``'s Streamlit settings yield to the user's own.

The wheel itself (contents, install on Python 3.11-3.13, ``marker app`` serving its page) is
checked by ``tools/wheel_check.py`` (``make wheel-check``), which CI runs.
"""

from __future__ import annotations

from marker.cli import APP_SETTINGS, _in_streamlit_config


def test_cli_app_settings_yield_to_the_users_streamlit_config(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    (home / ".streamlit").mkdir(parents=True)
    (work / ".streamlit").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    assert not any(_in_streamlit_config(key) for key in APP_SETTINGS)

    # A classroom server: the folder's config opens the app to the network.
    (work / ".streamlit" / "config.toml").write_text('[server]\naddress = "0.0.0.0"\n', encoding="utf-8")
    (home / ".streamlit" / "config.toml").write_text("[browser]\ngatherUsageStats = true\n", encoding="utf-8")
    assert _in_streamlit_config("server.address")
    assert _in_streamlit_config("browser.gatherUsageStats")
    assert not _in_streamlit_config("server.headless")


def test_cli_app_settings_ignore_a_broken_streamlit_config(tmp_path, monkeypatch):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text("server = [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
    monkeypatch.chdir(tmp_path)
    assert not _in_streamlit_config("server.address")


def test_cli_app_settings_match_the_repositorys_streamlit_config():
    """`make run` (the repository's config) and `marker app` (the wheel) start the same app:
    served on this computer only, no usage statistics, no Deploy button (client.toolbarMode)."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads(
        (Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    )
    for key, value in APP_SETTINGS.items():
        section, option = key.split(".", 1)
        assert str(config[section][option]).lower() == value, key
    assert APP_SETTINGS["client.toolbarMode"] in ("viewer", "minimal")


def test_no_page_relies_on_streamlit_magic():
    """Magic is off (runner.magicEnabled): a page that wrote a bare expression would show nothing."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pages = [root / "app.py", *sorted((root / "marker" / "app").glob("*.py"))]
    pages = [p for p in pages if p.name not in ("__init__.py", "shared.py", "icons.py")]
    bare = [
        f"{p.name}:{node.lineno}"
        for p in pages
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Expr)
        and not isinstance(node.value, ast.Call | ast.Await | ast.Yield | ast.YieldFrom)
        and not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
    ]
    assert len(pages) > 5 and not bare, bare
