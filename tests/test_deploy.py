"""What a deployment is made of: the Procfile and compose.yaml name real roles in the right
order, and the wheel ships the app with its migrations and none of the emulators."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

from bot.__main__ import ROLES

ROOT = Path(__file__).resolve().parents[1]


def test_the_procfile_releases_then_runs_web_and_worker() -> None:
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(lines) == {"release", "web", "worker"}
    for process, command in lines.items():
        role = command.split("python -m bot", 1)[1].split()[0]
        assert role in ROLES
        assert role == {"release": "migrate"}.get(process, process)


def test_compose_starts_postgres_release_web_and_two_workers() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert set(services) == {"postgres", "release", "web", "worker"}
    for name in ("release", "web", "worker"):
        assert services[name]["command"][0] in ROLES
    assert services["release"]["command"] == ["migrate"]
    assert services["worker"]["deploy"]["replicas"] == 2
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["release"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["environment"]["MIGRATE_ON_START"] == "false"


def test_the_wheel_ships_the_app_and_its_migrations_but_no_emulators(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/__main__.py" in names
    assert any(n.startswith("bot/storage/migrations/versions/0006") for n in names)
    assert not [n for n in names if n.startswith(("sandbox/", "tests/")) or "emulator" in n]
