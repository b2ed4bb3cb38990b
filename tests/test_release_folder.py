"""Whole or nothing: a release folder holds the old release or the new one, never a mix.

The fast tests drive :func:`zicht.export.staged_release` with a small writer in a child
process that is SIGKILLed at chosen points (while writing, after the check, between the two
moves), run two at once and leave a stale lock behind; the slow ones kill real `zicht run`
runs of a newcomer's tiny config (every file staged, and while the GeoPackage is being
written) and run two at once into one folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newcomer_fixtures import CONFIG, newcomer
from zicht import OutputError
from zicht.export import (
    ensure_unlocked,
    file_sha256,
    internal_dir_for,
    lock_path_for,
    staged_release,
)

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}

# A writer that stages a "release" of three files named after its version, then commits.
WRITER = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from zicht.export import staged_release
    out, version, kill_at = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    with staged_release(out) as stage:
        for i, name in enumerate(["manifest.json", "a.csv", "b.csv"]):
            (stage.out / name).write_text(f"{version} {name}")
            if kill_at == f"file{i}":
                os.kill(os.getpid(), signal.SIGKILL)
        (stage.internal / "units.parquet").write_text(version)
        if kill_at == "hold":
            print("holding", flush=True)
            time.sleep(30)
        stage.commit()
    """
)


def _write(
    out: Path, version: str, kill_at: str = "", hook: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WRITER, str(out), version, kill_at],
        env={**ENV, "ZICHT_TEST_KILL_AT": hook},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _versions(folder: Path) -> set[str]:
    return {p.read_text().split()[0] for p in folder.iterdir()}


@pytest.fixture
def old_release(tmp_path):
    out = tmp_path / "rel"
    assert _write(out, "old").returncode == 0
    (out / "park.csv").write_text("old park.csv")  # a file only the old release had
    return out


def test_a_committed_release_replaces_the_folder_whole(old_release):
    assert _write(old_release, "new").returncode == 0
    assert sorted(p.name for p in old_release.iterdir()) == ["a.csv", "b.csv", "manifest.json"]
    assert _versions(old_release) == {"new"}  # park.csv of the old release is gone
    assert (internal_dir_for(old_release) / "units.parquet").read_text() == "new"
    assert sorted(p.name for p in old_release.parent.iterdir()) == ["rel", "rel_internal"]


@pytest.mark.parametrize("point", ["file0", "file1", "file2"])
def test_a_run_killed_while_writing_leaves_the_old_release_and_the_next_run_cleans_up(
    old_release, point
):
    before = {p.name: file_sha256(p) for p in old_release.iterdir()}
    killed = _write(old_release, "new", point)
    assert killed.returncode == -signal.SIGKILL
    assert {p.name: file_sha256(p) for p in old_release.iterdir()} == before
    left = [p.name for p in old_release.parent.iterdir()]
    assert any(n.startswith("rel.zicht-unfinished-") for n in left), left  # named, visible
    again = _write(old_release, "new")
    assert again.returncode == 0, again.stderr
    assert "zicht-unfinished" in again.stderr  # reported as removed, in both languages
    assert "resten van een afgebroken run" in again.stderr
    assert "took over the lock" in again.stderr
    assert sorted(p.name for p in old_release.parent.iterdir()) == ["rel", "rel_internal"]
    assert _versions(old_release) == {"new"}


def test_a_run_killed_after_its_check_leaves_the_old_release(old_release):
    before = {p.name: file_sha256(p) for p in old_release.iterdir()}
    assert _write(old_release, "new", hook="checked").returncode == -signal.SIGKILL
    assert {p.name: file_sha256(p) for p in old_release.iterdir()} == before
    assert _write(old_release, "new").returncode == 0
    assert _versions(old_release) == {"new"}


def test_a_run_killed_between_its_two_moves_leaves_the_new_release_whole(old_release):
    # The one documented window: the release has moved, the internal folder not yet.
    assert _write(old_release, "new", hook="swapped").returncode == -signal.SIGKILL
    assert sorted(p.name for p in old_release.iterdir()) == ["a.csv", "b.csv", "manifest.json"]
    assert _versions(old_release) == {"new"}
    assert (internal_dir_for(old_release) / "units.parquet").read_text() == "old"
    again = _write(old_release, "newer")
    assert again.returncode == 0 and "rel_internal.zicht-unfinished-" in again.stderr
    assert sorted(p.name for p in old_release.parent.iterdir()) == ["rel", "rel_internal"]
    assert _versions(internal_dir_for(old_release)) == {"newer"}


def test_a_failing_run_leaves_the_old_release_untouched(old_release):
    before = {p.name: file_sha256(p) for p in old_release.iterdir()}
    with pytest.raises(RuntimeError, match="boom"), staged_release(old_release) as stage:
        (stage.out / "manifest.json").write_text("half")
        raise RuntimeError("boom")
    assert {p.name: file_sha256(p) for p in old_release.iterdir()} == before
    assert sorted(p.name for p in old_release.parent.iterdir()) == ["rel", "rel_internal"]


def test_a_second_run_is_refused_while_the_first_holds_the_lock(old_release):
    first = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(old_release), "first", "hold"],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "holding"
        with pytest.raises(OutputError) as refused, staged_release(old_release):
            pytest.fail("the second run got the lock")
        message = str(refused.value)
        assert "wordt al geschreven door een andere run" in message
        assert "is being written by another run" in message
        assert f"proces {first.pid}" in message and str(lock_path_for(old_release)) in message
        with pytest.raises(OutputError, match=f"process {first.pid}"):
            ensure_unlocked(old_release)  # what `zicht run` asks before checking its inputs
    finally:
        first.kill()
        first.wait()
    assert _versions(old_release) == {"old"}
    ensure_unlocked(old_release)  # free again


def test_a_stale_lock_is_taken_over_with_a_warning(old_release):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    info = {"pid": int(dead.stdout), "host": os.uname().nodename, "started": "2026-01-01"}
    lock_path_for(old_release).write_text(json.dumps(info))
    with (
        pytest.warns(UserWarning, match="overgenomen") as caught,
        staged_release(old_release) as stage,
    ):
        (stage.out / "manifest.json").write_text("new")
        stage.commit()
    assert f"process {info['pid']}" in str(caught[0].message)
    assert not lock_path_for(old_release).exists()
    assert _versions(old_release) == {"new"}


def test_an_out_that_is_a_file_or_holds_other_files_or_inputs_is_refused(tmp_path):
    as_file = tmp_path / "file"
    as_file.write_text("x")
    with pytest.raises(OutputError, match="is een bestand"), staged_release(as_file):
        pass
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("x")
    with pytest.raises(OutputError, match=r"thesis\.docx"), staged_release(mine):
        pass
    assert (mine / "thesis.docx").read_text() == "x"
    release = tmp_path / "rel"
    release.mkdir()
    (release / "manifest.json").write_text("{}")
    (release / "units.gpkg").write_text("x")
    with (
        pytest.raises(OutputError, match=r"\[inputs.units\] path"),
        staged_release(release, inputs={"[inputs.units] path": release / "units.gpkg"}),
    ):
        pass
    assert (release / "units.gpkg").is_file()


# ----------------------------------------------------------------------------- real runs
# A newcomer's tiny config (eight Ede buurten, 600 SYNTHETIC units, no permutations): a run
# takes seconds, so killing real runs stays cheap.


@pytest.fixture(scope="module")
def tiny_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    files = newcomer(folder, config=CONFIG.replace("permutations = 99", "permutations = 0"))
    return files.config


def _run(config: Path, out: Path, kill_at: str = "") -> subprocess.Popen[str]:
    env = {**ENV, "ZICHT_TEST_KILL_AT": kill_at} if kill_at else ENV
    return subprocess.Popen(
        [sys.executable, "-m", "zicht", "run", str(config), "--out", str(out)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _check(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zicht", "check", str(out)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _complete(out: Path) -> None:
    """Every file the manifest lists is there with its hash, and nothing else."""
    manifest = json.loads((out / "run_manifest.json").read_text())
    listed = {f["path"]: f["sha256"] for f in manifest["files"].values()}
    assert {p.name for p in out.iterdir()} == {*listed, "run_manifest.json"}
    for name, sha in listed.items():
        assert file_sha256(out / name) == sha, name


@pytest.fixture(scope="module")
def tiny_release(tiny_config):
    out = tiny_config.parent / "rel"
    first = _run(tiny_config, out)
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("point", ["written", "while-writing"])
def test_a_killed_run_leaves_the_old_release_complete_and_checked(tiny_config, tiny_release, point):
    before = {p.name: file_sha256(p) for p in tiny_release.iterdir()}
    run = _run(tiny_config, tiny_release, "" if point == "while-writing" else point)
    if point == "while-writing":  # the release's GeoPackage is half written
        stage = tiny_release.parent / f"rel.zicht-unfinished-{run.pid}"
        deadline = time.monotonic() + 300
        while not (stage / "release.gpkg").exists() and run.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        run.send_signal(signal.SIGKILL)
    run.communicate(timeout=600)
    assert run.returncode == -signal.SIGKILL
    assert {p.name: file_sha256(p) for p in tiny_release.iterdir()} == before
    _complete(tiny_release)
    checked = _check(tiny_release)
    assert checked.returncode == 0, checked.stdout[-2000:]


@pytest.mark.slow
def test_two_runs_into_one_folder_one_refuses_and_the_release_is_whole(tiny_config, tmp_path):
    out = tmp_path / "rel"
    first = _run(tiny_config, out)
    deadline = time.monotonic() + 120
    while not lock_path_for(out).exists():
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.005)
    second = _run(tiny_config, out)
    _, message = second.communicate(timeout=600)
    assert second.returncode == 9, message[-2000:]
    message = " ".join(message.split())  # the command line wraps long lines
    assert "wordt al geschreven door een andere run" in message, message[-2000:]
    assert f"proces {first.pid}" in message
    assert "Traceback" not in message
    _, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-2000:]
    _complete(out)
    assert _check(out).returncode == 0


@pytest.mark.slow
def test_a_release_the_checker_fails_is_not_moved_in(tiny_release):
    import pandas as pd

    from zicht import DisclosureError

    before = {p.name: file_sha256(p) for p in tiny_release.iterdir()}
    units = pd.read_parquet(internal_dir_for(tiny_release) / "units.parquet")
    with pytest.raises(DisclosureError) as failed, staged_release(tiny_release) as stage:
        for path in tiny_release.iterdir():
            (stage.out / path.name).write_bytes(path.read_bytes())
        assert stage.internal is not None
        units.iloc[: len(units) // 2].to_parquet(stage.internal / "units.parquet")
        stage.verify(stage.internal / "units.parquet")  # half the units: the values disagree
        stage.commit()
    assert "haalt zicht check niet" in str(failed.value)
    assert "does not pass zicht check" in str(failed.value)
    assert {p.name: file_sha256(p) for p in tiny_release.iterdir()} == before
    assert not list(tiny_release.parent.glob("rel*.zicht-unfinished-*"))


@pytest.mark.slow
def test_the_command_line_names_an_out_that_is_a_file(tiny_config, tmp_path):
    from typer.testing import CliRunner

    from zicht.cli import app

    target = tmp_path / "release.txt"
    target.write_text("not a folder")
    result = CliRunner().invoke(app, ["run", str(tiny_config), "--out", str(target)])
    said = " ".join((result.output or "").split())
    assert result.exit_code != 0 and "Traceback" not in said
    assert "release.txt" in said and ("is een bestand" in said or "is a file" in said), said
    assert target.read_text() == "not a folder"
