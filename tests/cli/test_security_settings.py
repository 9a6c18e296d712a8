"""Security defaults of the settings: no shipped secret key, a generated one for a trial,
and the README's production settings passing Django's deploy check."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kizuna.secret_key import KEY_FILE_NAME, secret_key_from_file

ROOT = Path(__file__).resolve().parents[2]
KIZUNA = str(Path(sys.executable).with_name("kizuna"))
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECRET_KEY); print(settings.SECURE_SSL_REDIRECT)"
)


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any of Kizuna's settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KIZUNA_", "DJANGO_")) and k != "DATABASE_URL"
    }
    return {**env, "KIZUNA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src"), **extra}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_it_creates_the_key_file_once_for_the_owner_only_and_reuses_it(tmp_path: Path) -> None:
    # given no key file yet
    path = tmp_path / "data" / KEY_FILE_NAME
    # when it is asked for twice
    first = secret_key_from_file(path)
    second = secret_key_from_file(path)
    # then one random key was written, readable by its owner only, and read back
    assert first == second == path.read_text().strip()
    assert len(first) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == [KEY_FILE_NAME]
    assert secret_key_from_file(tmp_path / "elsewhere" / KEY_FILE_NAME) != first


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    # given twenty starts racing for the first key
    path = tmp_path / KEY_FILE_NAME
    barrier = threading.Barrier(20)
    keys: list[str] = []

    def start() -> None:
        barrier.wait()
        keys.append(secret_key_from_file(path))

    threads = [threading.Thread(target=start) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then all of them use the key in the file, and no temporary file is left behind
    assert len(keys) == 20
    assert set(keys) == {path.read_text().strip()}
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE_NAME]


def test_an_empty_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="empty or too short"):
        secret_key_from_file(path)


def test_the_demo_and_debug_mode_generate_a_key_and_keep_it(tmp_path: Path) -> None:
    # when the settings are loaded for the demo, then in DEBUG mode, with no key configured
    env = clean_env(tmp_path, DJANGO_SETTINGS_MODULE="kizuna.settings")
    demo = run_python(PRINT_SETTINGS, {**env, "KIZUNA_DEMO": "1"})
    debug = run_python(PRINT_SETTINGS, {**env, "KIZUNA_DEBUG": "1"})
    # then the first generated the key into the data folder, the second reused it; plain HTTP
    assert demo.returncode == 0, demo.stderr
    key, ssl_redirect = demo.stdout.split()
    assert debug.stdout == demo.stdout
    assert key == (tmp_path / KEY_FILE_NAME).read_text().strip()
    assert ssl_redirect == "False"


def test_production_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    # given production mode (no KIZUNA_DEBUG, not the demo) and no KIZUNA_SECRET_KEY
    env = clean_env(tmp_path)
    # when the web server loads the application
    result = run_python("import kizuna.wsgi", env)
    # then it refuses, saying what to set, and no key was made up
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: KIZUNA_SECRET_KEY is not set" in (
        result.stderr
    )
    assert not (tmp_path / KEY_FILE_NAME).exists()
    # and nothing else gets a default key either
    signing = run_python(
        "import django; django.setup(); from django.core import signing; signing.dumps(1)",
        {**env, "DJANGO_SETTINGS_MODULE": "kizuna.settings"},
    )
    assert "ImproperlyConfigured" in signing.stderr


def test_production_with_a_key_starts(tmp_path: Path) -> None:
    env = clean_env(tmp_path, KIZUNA_SECRET_KEY="k" * 10 + "ey-from-the-environment" * 3)
    result = run_python("import kizuna.wsgi; print('ok')", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def readme_production_exports() -> str:
    """The ``export`` lines of the README's "Running in production" block."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    exports = [line for line in block.group(1).splitlines() if line.startswith("export ")]
    assert any("KIZUNA_SECRET_KEY" in line for line in exports)
    return "\n".join(exports)


def test_the_readmes_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    # given the README's production environment, evaluated by a shell as an operator would
    script = (
        f"{readme_production_exports()}\nexec {KIZUNA} manage check --deploy --fail-level DEBUG"
    )
    # when Django's deploy check runs with it
    result = subprocess.run(
        ["bash", "-c", script],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then it finds nothing to warn about, and nothing is silenced
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert result.stderr == ""
