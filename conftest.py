"""Root of every test suite: the project's shared fixtures live in jiceng_shared.testing.plugin."""

pytest_plugins = ["jiceng_shared.testing.plugin"]
