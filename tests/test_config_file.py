"""Writing one setting back (the theme): only that key changes, the file stays TOML, a new file
is private; ORDERVIEW_CONFIG names the file both starts read."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from orderview.config_file import ConfigWriteError, with_setting, write_setting
from orderview.paths import default_config_path
from orderview.settings import load_settings

OPERATOR_FILE = """# the support desk's settings
db = "/srv/orders.db"   # shared file
theme = "gruvbox"
colors = "16"

[extra]
theme = "not this one"
"""


def test_only_the_key_changes() -> None:
    new = with_setting(OPERATOR_FILE, "theme", "nord")
    assert new == OPERATOR_FILE.replace('theme = "gruvbox"', 'theme = "nord"')
    assert tomllib.loads(new)["extra"]["theme"] == "not this one"


def test_a_missing_key_goes_before_the_first_table() -> None:
    text = 'db = "x.db"\n\n[extra]\na = 1\n'
    new = with_setting(text, "theme", "nord")
    assert new == 'db = "x.db"\n\ntheme = "nord"\n[extra]\na = 1\n'
    assert with_setting("", "theme", "nord") == 'theme = "nord"\n'
    assert with_setting('db = "x"', "ascii", True) == 'db = "x"\nascii = true\n'


def test_a_value_needing_escapes_stays_toml() -> None:
    name = 'odd "theme" \\ name'
    assert tomllib.loads(with_setting("", "theme", name))["theme"] == name


def test_a_new_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    write_setting(path, "theme", "nord")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert tomllib.loads(path.read_text()) == {"theme": "nord"}


def test_an_existing_file_keeps_its_mode_and_other_lines(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OPERATOR_FILE)
    path.chmod(0o640)
    write_setting(path, "theme", "nord")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == OPERATOR_FILE.replace('"gruvbox"', '"nord"')
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_symlinked_file_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real.toml"
    target.write_text('db = "x"\n')
    link = tmp_path / "config.toml"
    link.symlink_to(target)
    write_setting(link, "theme", "nord")
    assert link.is_symlink() and tomllib.loads(target.read_text())["theme"] == "nord"


@pytest.mark.parametrize("text", ['theme = """multi\nline"""\n', "not toml ["])
def test_a_file_it_cannot_rewrite_safely_is_left_alone(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigWriteError):
        write_setting(path, "theme", "nord")
    assert path.read_text() == text


def test_orderview_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "desk.toml"
    path.write_text('theme = "nord"\ncolors = "16"\nascii = true\n')
    monkeypatch.setenv("ORDERVIEW_CONFIG", str(path))
    assert default_config_path() == path
    settings = load_settings()
    assert (settings.theme, settings.colors, settings.ascii) == ("nord", "16", True)
    monkeypatch.setenv("ORDERVIEW_CONFIG", str(tmp_path / "absent.toml"))  # not there yet: fine
    assert load_settings().theme is None
