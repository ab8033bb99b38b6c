"""An unexpected error: one line for the user, the traceback in a new 0600 file in a private 0700 directory."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from weavz_flow.cli.main import COMMANDS, cli


@pytest.fixture
def tmpdir_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))  # what $TMPDIR sets, without the process-wide cache
    monkeypatch.setitem(COMMANDS, "boom", "tests.cli.boom_cmd:boom")
    return root


def crash() -> Result:
    result = CliRunner().invoke(cli, ["boom"])
    assert result.exit_code == 70
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("Internal error: RuntimeError: a bug, not a user error (")
    return result


def written_path(result: Result) -> Path:
    match = re.search(r"traceback written to (\S+)\)$", result.output.strip())
    assert match, result.output
    return Path(match.group(1))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_planted_symlink_at_the_old_path_is_left_alone(tmpdir_root: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmpdir_root / "weavz-flow-crash.log").symlink_to(victim)
    log = written_path(crash())
    assert victim.read_text(encoding="utf-8") == "precious"
    assert log.parent == tmpdir_root / f"weavz-flow-{os.getuid()}"
    assert mode(log.parent) == 0o700 and mode(log) == 0o600
    assert not log.is_symlink()
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "a bug, not a user error" in text


def test_each_crash_gets_a_file_of_its_own(tmpdir_root: Path) -> None:
    first, second = written_path(crash()), written_path(crash())
    assert first != second and first.exists() and second.exists()


def test_a_planted_directory_symlink_is_refused(tmpdir_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "attacker-dir"
    elsewhere.mkdir(mode=0o777)
    (tmpdir_root / f"weavz-flow-{os.getuid()}").symlink_to(elsewhere)
    result = crash()
    assert "traceback not written" in result.output
    assert list(elsewhere.iterdir()) == []


def test_a_directory_of_another_user_is_refused(tmpdir_root: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("only root can make a directory another user owns")
    planted = tmpdir_root / f"weavz-flow-{os.getuid()}"
    planted.mkdir(mode=0o777)
    os.chown(planted, 65534, 65534)
    result = crash()
    assert "traceback not written" in result.output and "not a directory owned by this user" in result.output
    assert list(planted.iterdir()) == []


def test_an_own_directory_others_could_read_is_tightened(tmpdir_root: Path) -> None:
    own = tmpdir_root / f"weavz-flow-{os.getuid()}"
    own.mkdir()
    own.chmod(0o755)
    log = written_path(crash())
    assert mode(own) == 0o700 and mode(log) == 0o600
