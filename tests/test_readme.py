"""The README's configuration table names every environment variable every process reads."""

import importlib
from pathlib import Path

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
