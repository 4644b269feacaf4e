"""The AsyncAPI document is AsyncAPI 3 as the official parser reads it, with no credentials in it,
and names the dead-letter and identity-change subjects beside every event of the contracts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jiceng_shared.asyncapi import asyncapi_document
from jiceng_shared.contracts import REGISTRY

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "asyncapi"


def parse(document: dict) -> dict:
    node = shutil.which("node")
    if node is None or not (TOOLS / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.skip("the AsyncAPI parser is not installed (needs Node.js; make test runs npm ci in tools/asyncapi)")
    done = subprocess.run(
        [node, str(TOOLS / "validate.mjs")], input=json.dumps(document), capture_output=True, text=True, timeout=120
    )
    return json.loads(done.stdout)


def test_the_document_is_valid_asyncapi_3_for_the_official_parser():
    result = parse(asyncapi_document("jiceng", "nats://127.0.0.1:4222"))
    assert result["valid"], result["errors"]
    assert result["version"] == "3.0.0"


def test_the_parser_would_say_so_if_it_were_not():
    broken = asyncapi_document()
    broken["operations"]["send_grid_incident_reported"]["action"] = "publish"  # AsyncAPI 2's word
    assert not parse(broken)["valid"]


def test_every_event_the_dead_letters_and_identity_changes_are_channels_without_credentials():
    document = asyncapi_document("jiceng", "nats://jiceng:s3cret@nats.internal:4222")
    addresses = {c["address"] for c in document["channels"].values()}
    assert {f"jiceng.{event_type}" for event_type in REGISTRY} <= addresses
    assert "jiceng.dlq.{service}.{consumer}" in addresses and "_jiceng.jiceng.iam.changed" in addresses
    assert "_jiceng.jiceng.webhooks.changed" in addresses
    assert document["servers"]["nats"]["host"] == "nats.internal:4222"
    assert "s3cret" not in json.dumps(document)
