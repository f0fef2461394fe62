"""Every setting is declared once, documented in the README, and read from the environment."""

from __future__ import annotations

from ninek_graph import settings
from ninek_graph.paths import ROOT


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in settings.SETTINGS:
        assert f"| `{setting.name}` | " in readme, setting.name
        assert setting.help.strip()


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("NINEK_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("NINEK_MAX_ROWS", "7")
    values = settings.defaults()
    assert values["query_timeout"] == 2.5 and values["max_rows"] == 7
    assert values["cache_entries"] == settings.BY_NAME["cache_entries"].default
