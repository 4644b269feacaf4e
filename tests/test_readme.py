"""The READMEs hold what they point to: the configuration table names every environment variable
every process reads; every relative link and every `make` target they name exists; the Chinese
guide's roles page is generated from the gateway's policy tables."""

import importlib
import json
import re
from pathlib import Path

import pytest

from jiceng_shared import policydoc
from jiceng_shared.policy import load_policy
from jiceng_shared.settings import CommonSettings
from jiceng_shared.topology import PROCESSES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
SETTINGS_CLASSES = {
    "gateway": "GatewaySettings",
    "approval": "ApprovalSettings",
    "enforcement": "EnforcementSettings",
    "grid": "GridSettings",
    "dispatch": "DispatchSettings",
    "assessment": "AssessmentSettings",
}


def test_every_setting_of_every_process_is_in_the_configuration_table():
    missing = []
    for process in PROCESSES:
        settings = getattr(importlib.import_module(f"{process.package}.config"), SETTINGS_CLASSES[process.name])
        for field in settings.model_fields:
            if field in CommonSettings.model_fields:
                name = f"<P>_{field.upper()}"
            else:
                name = f"{process.env_prefix}{field.upper()}"
            if name not in README:
                missing.append(name)
    assert not missing, f"add to the README's configuration table: {missing}"


def test_the_two_commands_come_first():
    head = "\n".join(README.splitlines()[:40])
    assert "make run" in head and "make test" in head


ROOT = Path(__file__).resolve().parents[1]
READMES = ("README.md", "README.zh-CN.md")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MAKE = re.compile(r"\bmake ([a-z][a-z0-9-]*)")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", text, flags=re.S), flags=re.M)
    return {_anchor(h) for h in headings} | set(re.findall(r'<a id="([^"]+)"></a>', text))


@pytest.mark.parametrize("readme", READMES)
def test_every_relative_link_of_the_readmes_names_a_file_and_heading_that_exist(readme):
    dangling = []
    for target in LINK.findall((ROOT / readme).read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # an external address
        file, _, anchor = target.partition("#")
        path = ROOT / file if file else ROOT / readme
        if not path.exists() or anchor and path.suffix == ".md" and anchor not in _anchors(path):
            dangling.append(target)
    assert not dangling, f"{readme} links to what does not exist: {dangling}"


@pytest.mark.parametrize("readme", READMES)
def test_every_make_target_the_readmes_name_exists(readme):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", makefile, flags=re.M))
    named = set(MAKE.findall((ROOT / readme).read_text(encoding="utf-8")))
    assert named and not named - targets, f"{readme} names make targets the Makefile lacks: {named - targets}"


def test_the_chinese_guides_roles_page_is_the_gateways_policy_tables():
    page = ROOT / policydoc.PAGE
    assert page.read_text(encoding="utf-8") == policydoc.roles_markdown(load_policy()), (
        "the policy tables changed: run `.venv/bin/python -m jiceng_shared.policydoc` and commit docs/zh-CN/roles.md"
    )
    # every role of the tables has its section
    for role in load_policy().roles:
        assert f'<a id="{role}"></a>' in page.read_text(encoding="utf-8")


def test_the_chinese_guides_signature_checks_accept_what_the_gateway_signs_and_refuse_a_forgery():
    import datetime as dt

    from standardwebhooks.webhooks import Webhook

    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.zh-CN.md").read_text(encoding="utf-8"), flags=re.S)
    [library] = [b for b in blocks if "def receive" in b]
    [stdlib] = [b for b in blocks if "def verify_webhook" in b]
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"type":"dispatch.ticket.closed","data":{"ticket_id":"t1"}}'
    now = dt.datetime.now(dt.UTC)
    # as the gateway's worker signs a delivery (gateway/webhooks/worker.py)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp()))}
    headers["webhook-signature"] = Webhook(secret).sign("msg_1", now, body.decode())
    forged = headers | {"webhook-signature": "v1,AAAA" + headers["webhook-signature"][7:]}

    saved: list[tuple[str, object]] = []
    scope: dict[str, object] = {"save_for_processing": lambda *args: saved.append(args)}
    exec(library.replace('"whsec_..."', repr(secret)), scope)  # the guide's own example
    assert scope["receive"](body, headers) == 204 and saved == [("msg_1", json.loads(body))]
    assert scope["receive"](body, forged) == 400

    exec(stdlib, scope)  # the guide's own example
    scope["verify_webhook"](secret, headers, body)
    with pytest.raises(ValueError):
        scope["verify_webhook"](secret, forged, body)
