"""Templates are parsed once per process: the settings leave Django's default loaders, which
wrap them in the cached loader (also with DEBUG, where it reloads changed files)."""

from __future__ import annotations

import subprocess
import sys

from django.template import engines


def test_the_template_engine_caches_parsed_templates() -> None:
    loaders = engines["django"].engine.loaders  # type: ignore[attr-defined]
    assert loaders[0][0] == "django.template.loaders.cached.Loader", loaders


def test_production_settings_cache_parsed_templates() -> None:
    # the real settings module (tests run with their own), as the web server loads it
    code = (
        "import django; django.setup(); from django.template import engines; "
        "print(engines['django'].engine.loaders[0][0])"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "kizuna.settings",
        "KIZUNA_DEBUG": "0",
        "KIZUNA_SECRET_KEY": "test-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "django.template.loaders.cached.Loader"
