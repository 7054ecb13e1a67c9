"""`make spec-diff`: the rules table, the text and JSON reports, the command line, and real
history pairs (checked by hand in the YAML files of ../shared/venice-spec/history, read
at test time, never copied here). The spec builders come from test_spec_diff.py.
"""

from __future__ import annotations

import functools
import itertools
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import venice_spec.diff as spec_diff_package
from scripts.spec_io import load_spec_file
from tests.spec.test_spec_diff import BODY, HISTORY, ROOT, obj, post, spec
from venice_ext.cli import cli
from venice_spec.diff import Change, diff_specs, render_json, render_text
from venice_spec.diff._rules import RULES

# -- the rules table and rendering ----------------------------------------------------------------


def test_the_docstring_table_shows_every_rule() -> None:
    doc = spec_diff_package.__doc__ or ""
    table: dict[tuple[str, str], str] = {}
    for line in doc.splitlines():
        cells = line.split()
        if len(cells) == 4 and cells[0] in {kind for kind, _ in RULES}:
            for side, verdict in zip(("operation", "request", "response"), cells[1:], strict=True):
                if verdict != "-":
                    table[cells[0], side] = verdict.lower()
    assert table == {key: rule.verdict for key, rule in RULES.items()}


def sample_changes() -> tuple[dict[str, Any], dict[str, Any]]:
    old = spec(
        post(obj({"voice": {"enum": ["a"]}, "gone": {"type": "string"}}), obj({"state": {"enum": ["x"]}})),
        version="20260101.000000",
    )
    new = spec(
        post(obj({"voice": {"enum": ["a", "b", "c"]}}), obj({"state": {"enum": ["x", "y"]}})), version="20260102.000000"
    )
    new["paths"]["/new"] = {"get": {"operationId": "listNew", "responses": {"200": {"description": "OK"}}}}
    return old, new


def test_text_report_groups_by_operation_and_marks_breaking_changes() -> None:
    old, new = sample_changes()
    text = render_text(diff_specs(old, new), "20260101.000000", "20260102.000000")
    assert text.splitlines()[0] == "Venice API spec 20260101.000000 -> 20260102.000000"
    assert "GET /new\n  ok        operation added: listNew\n" in text
    assert "POST /things  [1 breaking]\n  BREAKING  request body application/json: gone: field removed" in text
    assert "            why: code that sets it fails against the regenerated model\n" in text
    assert 'ok        request body application/json: voice: enum values added: "b", "c"\n' in text
    assert 'notable   response 200 application/json: state: enum value "y" added\n' in text
    assert text.rstrip().splitlines()[-1] == (
        "Summary: 5 changes in 2 operations (1 added, 0 removed): 1 breaking, 1 notable, 3 compatible."
    )
    assert "No changes" in render_text([], "1", "1")


def test_json_report_carries_the_same_changes() -> None:
    old, new = sample_changes()
    changes = diff_specs(old, new)
    document = json.loads(render_json(changes, "20260101.000000", "20260102.000000"))
    assert document["old_version"] == "20260101.000000"
    assert document["summary"] == {
        "changes": 5, "breaking": 1, "notable": 1, "compatible": 3,
        "operations": 2, "operations_added": 1, "operations_removed": 0,
    }  # fmt: skip
    assert [Change(**{k: v for k, v in item.items() if k != "verdict"}) for item in document["changes"]] == changes


# -- the command line ---------------------------------------------------------------------------------


def write_pair(tmp_path: Path) -> tuple[Path, Path]:
    old, new = sample_changes()
    (tmp_path / "old.json").write_text(json.dumps(old))  # JSON is YAML 1.2
    (tmp_path / "new.yaml").write_text(json.dumps(new))
    return tmp_path / "old.json", tmp_path / "new.yaml"


def spec_diff_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["spec", "diff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_prints_text_and_json(tmp_path: Path) -> None:
    old, new = write_pair(tmp_path)
    code, out, err = spec_diff_cli(str(old), str(new))
    assert code == 0 and "BREAKING" in out and err == ""
    code, out, err = spec_diff_cli(str(old), str(new), "--json")
    assert code == 0 and json.loads(out)["summary"]["breaking"] == 1 and err == ""


def test_cli_runs_as_a_module(tmp_path: Path) -> None:
    old, new = write_pair(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "venice_ext", "spec", "diff", str(old), str(new), "--json"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout)["new_version"] == "20260102.000000"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("openapi: [unclosed", "invalid YAML"),
        ("just: a mapping\n", "not an OpenAPI document"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    good, _ = write_pair(tmp_path)
    bad = tmp_path / "bad.yaml"
    if content is not None:
        bad.write_text(content)
    code, out, err = spec_diff_cli(str(good), str(bad))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and str(bad) in err


def test_cli_reports_the_repairs_made_to_each_side(tmp_path: Path) -> None:
    old_path, new_path = write_pair(tmp_path)
    old = json.loads(old_path.read_text())
    del old["paths"]["/things"]["post"]["responses"]["200"]["description"]
    old_path.write_text(json.dumps(old))
    code, out, err = spec_diff_cli(str(old_path), str(new_path))
    assert (code, err) == (0, "")
    assert out.splitlines()[2:6] == [
        "Repairs to the old spec (20260101.000000): 1",
        "  default_response_descriptions: /paths/~1things/post/responses/200/description: set to 'OK'",
        "Repairs to the new spec (20260102.000000): none",
        "",
    ]
    assert "BREAKING" in out
    code, out, err = spec_diff_cli(str(old_path), str(new_path), "--json")
    assert json.loads(out)["repairs"] == {
        "old": [
            {
                "name": "default_response_descriptions",
                "pointer": "/paths/~1things/post/responses/200/description",
                "detail": "set to 'OK'",
            }
        ],
        "new": [],
    }


def test_cli_refuses_a_spec_beyond_repair_naming_the_place(tmp_path: Path) -> None:
    old_path, new_path = write_pair(tmp_path)
    new = json.loads(new_path.read_text())
    new["paths"]["/things"]["post"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/nope"}
    new_path.write_text(json.dumps(new))
    code, out, err = spec_diff_cli(str(old_path), str(new_path))
    assert (code, out) == (2, "")
    pointer = "/paths/~1things/post/responses/200/content/application~1json/schema/$ref"
    assert err == f"error: {new_path}: {pointer}: $ref '#/nope' points to nothing\n"


# -- the published history ------------------------------------------------------------------------------


@functools.cache
def history_spec(name: str) -> dict[str, Any]:
    path = HISTORY / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"{path} is missing (the shared Venice spec history)")
    return load_spec_file(path)


def history_diff(old: str, new: str) -> list[Change]:
    return diff_specs(history_spec(old), history_spec(new))


def lookup(changes: list[Change], operation: str, location: str, kind: str) -> list[Change]:
    return [c for c in changes if (c.operation, c.location, c.kind) == (operation, location, kind)]


def test_history_embeddings_appeared_in_may_2025() -> None:
    # 2025-05-28_b7e0ed46 adds `/embeddings: post: operationId: createEmbedding`;
    # 2025-04-30_1d14cd43 has no /embeddings path.
    changes = history_diff("2025-04-30_1d14cd43", "2025-05-28_b7e0ed46")
    [added] = lookup(changes, "POST /embeddings", "", "operation-added")
    assert (added.detail, added.breaking) == ("operation added: createEmbedding", False)
    assert [c.operation for c in changes if c.kind.startswith("operation-")] == ["POST /embeddings"]


def test_history_finish_reason_tool_calls_added_in_april_2026() -> None:
    # POST /chat/completions, 200 answer, choices[].finish_reason: enum [stop, length]
    # in 2026-03-31_9bb9f665, [stop, length, tool_calls] in 2026-04-30_a9cba1f0.
    changes = history_diff("2026-03-31_9bb9f665", "2026-04-30_a9cba1f0")
    location = "response 200 application/json: choices[].finish_reason"
    [added] = lookup(changes, "POST /chat/completions", location, "enum-value-added")
    assert (added.detail, added.breaking, added.notable) == ('enum value "tool_calls" added', False, True)


def test_history_rate_limits_lost_warning_message_in_october_2025() -> None:
    # GET /api_keys/rate_limits, 200 answer: 2025-09-29_fe54156e has `warningMessage` and
    # `data.balances.VCU`; 2025-10-27_e9827f0f has neither (balances: USD and DIEM).
    changes = history_diff("2025-09-29_fe54156e", "2025-10-27_e9827f0f")
    operation, answer = "GET /api_keys/rate_limits", "response 200 application/json"
    [warning] = lookup(changes, operation, f"{answer}: warningMessage", "field-removed")
    [vcu] = lookup(changes, operation, f"{answer}: data.balances.VCU", "field-removed")
    assert warning.breaking and vcu.breaking
    assert warning.detail == "field removed (was string, optional)"


def test_history_x402_headers_and_an_image_model_in_june_2026() -> None:
    # 2026-05-31_13e5a14f -> 2026-06-30_85c0848f: GET /x402/balance/{walletAddress} takes the
    # required header `SIGN-IN-WITH-X` instead of `X-Sign-In-With-X` (both {type: string});
    # POST /image/edit's JSON body (allOf [$ref EditImageRequest, {modelId: enum}]) drops
    # `qwen-edit` and gains `qwen-edit-uncensored`.
    changes = history_diff("2026-05-31_13e5a14f", "2026-06-30_85c0848f")
    operation = "GET /x402/balance/{walletAddress}"
    [renamed] = lookup(changes, operation, "header parameter: SIGN-IN-WITH-X", "parameter-renamed")
    assert renamed.breaking and renamed.detail == "renamed from 'X-Sign-In-With-X' (same schema)"
    model = f"{BODY}: modelId"
    [removed] = lookup(changes, "POST /image/edit", model, "enum-value-removed")
    assert removed.breaking and removed.detail == 'enum value "qwen-edit" removed'
    added = lookup(changes, "POST /image/edit", model, "enum-value-added")
    assert 'enum value "qwen-edit-uncensored" added' in {c.detail for c in added}
    assert not any(c.breaking for c in added)


def test_history_a_shared_error_schema_change_shows_at_each_operation() -> None:
    # components.schemas.X402InferencePaymentRequired, used by the 402 answer of every paid
    # operation: its siwxChallenge.domain (2026-04-30_a9cba1f0) moved under
    # siwxChallenge.info (2026-05-31_13e5a14f).
    changes = history_diff("2026-04-30_a9cba1f0", "2026-05-31_13e5a14f")
    location = "response 402 application/json: <code=PAYMENT_REQUIRED>.siwxChallenge.domain"
    operations = {c.operation for c in changes if (c.location, c.kind) == (location, "field-removed")}
    assert {"POST /chat/completions", "POST /image/generate", "POST /audio/speech"} <= operations
    assert len(operations) > 15


def test_history_billing_usage_retired_in_august_2026() -> None:
    # GET /billing/usage answers only 410 in 2026-08-13_24e8429e (200, 400, 401, 429, 500
    # and 410 in 2026-08-11_476df95b), and its 7 parameters are gone.
    changes = history_diff("2026-08-11_476df95b", "2026-08-13_24e8429e")
    assert {c.operation for c in changes} == {"GET /billing/usage"}
    assert [c.location for c in changes if c.kind == "success-response-removed"] == ["response 200"]
    assert len([c for c in changes if c.kind == "parameter-removed"]) == 7


@pytest.mark.slow
def test_every_consecutive_history_pair_reports_cleanly(capfd: pytest.CaptureFixture[str]) -> None:
    names = sorted(path.stem for path in HISTORY.glob("*.yaml"))
    if len(names) < 2:
        pytest.skip(f"no spec history in {HISTORY}")
    assert len(names) == 26
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for old, new in itertools.pairwise(names):
            changes = history_diff(old, new)
            versions = str(history_spec(old)["info"]["version"]), str(history_spec(new)["info"]["version"])
            assert render_text(changes, *versions).rstrip().splitlines()[-1].startswith("Summary: ")
            assert len(json.loads(render_json(changes, *versions))["changes"]) == len(changes)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
