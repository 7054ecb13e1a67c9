"""spec/resources.yaml and the default rule for the operations it does not name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.resource_names import NamingConfig, ResourceConfigError, load_config, plan_resources
from scripts.spec_io import load_spec_file
from scripts.transforms import apply_transforms, iter_operations

ROOT = Path(__file__).resolve().parents[2]


def spec_with(*operations: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method, path, operation in operations:
        paths.setdefault(path, {})[method] = {"responses": {"200": {"description": "OK"}}, **operation}
    return {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": paths}


def test_the_table_names_every_operation_of_the_pinned_spec() -> None:
    spec = apply_transforms(load_spec_file(ROOT / "spec" / "swagger.yaml"))
    config = load_config()
    plan = plan_resources(spec, config)
    assert plan.notices == []
    ids = {(method.upper(), path): op["operationId"] for path, method, op in iter_operations(spec)}
    assert len(ids) == 49
    assert {key: ".".join(name) for key, name in plan.names.items()} == {
        key: config.operations[operation_id] for key, operation_id in ids.items()
    }
    assert len(set(plan.names.values())) == 49


def test_the_pinned_spec_s_sunset_operation_warns_with_its_replacement() -> None:
    plan = plan_resources(apply_transforms(load_spec_file(ROOT / "spec" / "swagger.yaml")), load_config())
    assert list(plan.deprecations) == [("GET", "/billing/usage")]
    message = plan.deprecations[("GET", "/billing/usage")]
    assert message.startswith("billing.usage() is deprecated: SUNSET as of 2026-09-16")
    assert message.endswith("Use billing.usage_history() instead.")


def test_the_default_rule_takes_the_family_from_the_tag_and_strips_its_words() -> None:
    spec = spec_with(
        ("get", "/image/models", {"operationId": "listImageModels", "tags": ["Image"]}),
        ("post", "/widgets", {"operationId": "createWidget", "tags": ["Widget Shop"]}),
        ("get", "/untagged", {"operationId": "getThing"}),
    )
    plan = plan_resources(spec, NamingConfig(tags={"Image": "images"}))
    assert plan.names == {
        ("GET", "/image/models"): ("images", "list_models"),
        ("POST", "/widgets"): ("widget_shop", "create"),
        ("GET", "/untagged"): ("default", "get_thing"),
    }
    assert len(plan.notices) == 3
    assert "listImageModels (GET /image/models): generated images.list_models by the default rule" in plan.notices[0]


def test_configured_names_win_and_a_default_that_clashes_falls_back() -> None:
    spec = spec_with(
        ("get", "/image/styles", {"operationId": "listImageStyles", "tags": ["Image"]}),
        ("get", "/image/styles/all", {"operationId": "stylesImage", "tags": ["Image"]}),
        ("get", "/image/styles/more", {"operationId": "styles", "tags": ["Image"]}),
    )
    config = NamingConfig(tags={"Image": "images"}, operations={"listImageStyles": "images.styles"})
    plan = plan_resources(spec, config)
    assert plan.names[("GET", "/image/styles")] == ("images", "styles")
    assert plan.names[("GET", "/image/styles/all")] == ("images", "styles_image")
    assert plan.names[("GET", "/image/styles/more")] == ("images", "styles_2")


def test_a_default_name_is_never_a_keyword_or_a_reserved_name() -> None:
    spec = spec_with(
        ("get", "/a", {"operationId": "import", "tags": ["Data"]}),
        ("get", "/b", {"operationId": "withRawResponse", "tags": ["Data"]}),
    )
    plan = plan_resources(spec, NamingConfig())
    assert plan.names[("GET", "/a")] == ("data", "op_import")
    assert plan.names[("GET", "/b")] == ("data", "op_with_raw_response")


@pytest.mark.parametrize(
    ("operations", "problem"),
    [
        ({"a": "things.list", "b": "things.list"}, "already the name of another operation's method"),
        ({"a": "things.list", "b": "things.list.more"}, "things.list is a method, not a group"),
        ({"a": "things.sub.get", "b": "things.sub"}, "already the name of a group of methods"),
        ({"a": "list"}, "a method needs a family"),
    ],
)
def test_a_table_that_names_two_things_the_same_fails(operations: dict[str, str], problem: str) -> None:
    spec = spec_with(("get", "/a", {"operationId": "a"}), ("get", "/b", {"operationId": "b"}))
    with pytest.raises(ResourceConfigError, match=problem):
        plan_resources(spec, NamingConfig(operations=operations))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("operations:\n  a: things.class\n", "'class' is not a usable Python name"),
        ("operations:\n  a: things._private\n", "'_private' is not a usable Python name"),
        ("operations:\n  a: things.with_raw_response\n", "is not a usable Python name"),
        ("operations: [a]\n", "`operations` must map strings to strings"),
        ("renames: {}\n", "unknown section"),
    ],
)
def test_a_malformed_table_fails_to_load(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "resources.yaml"
    path.write_text(text)
    with pytest.raises(ResourceConfigError, match=problem):
        load_config(path)


def test_entries_for_operations_the_spec_lacks_are_ignored() -> None:
    spec = spec_with(("get", "/a", {"operationId": "a", "tags": ["T"]}))
    plan = plan_resources(spec, NamingConfig(operations={"a": "t.a", "gone": "t.gone"}))
    assert plan.names == {("GET", "/a"): ("t", "a")} and plan.notices == []


def test_deprecation_comes_from_the_spec_flag_or_the_table() -> None:
    spec = spec_with(
        ("get", "/old", {"operationId": "old", "deprecated": True, "description": "Gone soon. Really.\n\nMore."}),
        ("get", "/new", {"operationId": "new"}),
        ("get", "/legacy", {"operationId": "legacy", "description": "Prefer GET /api/v1/new."}),
    )
    config = NamingConfig(
        operations={"old": "t.old", "new": "t.new", "legacy": "t.legacy"}, deprecated={"legacy": "kept for now."}
    )
    plan = plan_resources(spec, config)
    assert plan.deprecations == {
        ("GET", "/old"): "t.old() is deprecated: Gone soon.",
        ("GET", "/legacy"): "t.legacy() is deprecated: kept for now. Use t.new() instead.",
    }
