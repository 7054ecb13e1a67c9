"""`make models`: the listing the fake serves, from a file or a URL, checked before it replaces the old one."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from scripts import fetch_models
from scripts.fetch_models import LIVE_SOURCE, ListingError, default_source, fetch, parse_listing

MODEL = {"id": "zai-org-glm-5-2", "type": "text", "model_spec": {"name": "GLM 5.2"}, "created": 1}


def test_a_bare_list_and_a_listing_answer_both_read() -> None:
    assert parse_listing(json.dumps([MODEL]).encode()) == [MODEL]
    assert parse_listing(json.dumps({"object": "list", "type": "all", "data": [MODEL]}).encode()) == [MODEL]


@pytest.mark.parametrize(
    "document",
    [b"not json", b"{}", b"[]", json.dumps([{"id": "x"}]).encode(), json.dumps([MODEL, "x"]).encode()],
    ids=["not-json", "no-data", "empty", "no-type", "not-an-object"],
)
def test_anything_else_is_refused(document: bytes) -> None:
    with pytest.raises(ListingError):
        parse_listing(document)


def test_the_source_beside_a_local_spec_then_the_live_listing(tmp_path: Path) -> None:
    spec = tmp_path / "swagger.yaml"
    assert default_source({"VENICE_MODELS_SOURCE": "https://example.com/m.json"}) == "https://example.com/m.json"
    assert default_source({"VENICE_SPEC_SOURCE": str(spec)}) == LIVE_SOURCE  # nothing beside it
    (tmp_path / "models-snapshot.json").write_text("[]")
    assert default_source({"VENICE_SPEC_SOURCE": str(spec)}) == str(tmp_path / "models-snapshot.json")
    assert default_source({"VENICE_SPEC_SOURCE": "https://api.venice.ai/doc/api/swagger.yaml"}) == LIVE_SOURCE
    assert default_source({}) == LIVE_SOURCE


def test_a_fetch_writes_readable_package_data_and_a_refusal_keeps_the_old(tmp_path: Path) -> None:
    source, target = tmp_path / "listing.json", tmp_path / "out" / "models-snapshot.json"
    source.write_text(json.dumps({"data": [MODEL]}))
    assert fetch(str(source), target) == [MODEL]
    assert json.loads(target.read_text()) == [MODEL]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    source.write_text("[]")
    with pytest.raises(ListingError):
        fetch(str(source), target)
    assert json.loads(target.read_text()) == [MODEL]


def test_main_says_what_it_fetched_or_why_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "listing.json", tmp_path / "models-snapshot.json"
    source.write_text(json.dumps([MODEL]))
    monkeypatch.setenv("VENICE_MODELS_SOURCE", str(source))
    assert fetch_models.main(target) == 0
    assert capsys.readouterr().out == f"models: 1 of 1 types from {source}\n"
    monkeypatch.setenv("VENICE_MODELS_SOURCE", str(tmp_path / "missing.json"))
    assert fetch_models.main(target) == 1
    assert "cannot read" in capsys.readouterr().err
