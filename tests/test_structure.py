"""The structure docs/architecture.md draws, where a test can see it:

- no function-local import of Kizuna's own code: a cycle between modules is resolved by moving
  code to the layer it belongs to (``lint-imports`` checks the layers), not by importing late.
  The few late imports that stay are listed below, each with its reason;
- every app of ``kizuna/apps`` has its place in the layers contract of pyproject.toml.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

AFTER_SETUP = (
    "the command sets Django up first (kizuna.cli.django_setup): models cannot be imported "
    "before django.setup(), and `kizuna --help` starts without Django"
)

#: (file under src/, module imported inside a function) → why it is imported there
LATE_IMPORTS: dict[tuple[str, str], str] = {
    ("kizuna/apps/audit/apps.py", "kizuna.apps.audit"): (
        "signal receivers are connected in AppConfig.ready(), once the models are loaded"
    ),
    ("kizuna/apps/jobs/apps.py", "kizuna.apps.jobs"): (
        "each app's tasks.py is collected and the task signals are connected in"
        " AppConfig.ready(), once every app's models are loaded"
    ),
    ("kizuna/cli/demo.py", "kizuna.apps.demo.services"): AFTER_SETUP,
    ("kizuna/cli/demo.py", "kizuna.apps.jobs.services"): AFTER_SETUP,
    ("kizuna/cli/demo.py", "kizuna.apps.tenant.selectors"): AFTER_SETUP,
    ("kizuna/cli/health.py", "kizuna.apps.health.models"): AFTER_SETUP,
    ("kizuna/cli/openapi.py", "kizuna.api"): AFTER_SETUP,
    ("kizuna/cli/usage.py", "kizuna.apps.tenant.selectors"): AFTER_SETUP,
    ("kizuna/cli/usage.py", "kizuna.apps.usage.services.rollups"): AFTER_SETUP,
    ("kizuna/cli/usage.py", "kizuna.apps.usage.services.ingestion"): AFTER_SETUP,
}


def _imported(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """The Kizuna modules an import statement names (relative ones resolved in ``package``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "kizuna"]
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        return [".".join([*base, node.module] if node.module else base)]
    module = node.module or ""
    return [module] if module.split(".")[0] == "kizuna" else []


def late_imports(path: Path, source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of Kizuna's code inside a function or method of a file."""
    relative = path.relative_to(SRC) if path.is_relative_to(SRC) else Path(path.name)
    package = ".".join(relative.with_suffix("").parts[:-1]) or "kizuna"
    found: set[tuple[int, str]] = set()
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.update((node.lineno, module) for module in _imported(node, package))
    return sorted(found)


def _all_late_imports() -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for path in sorted((SRC / "kizuna").rglob("*.py")):
        where = path.relative_to(SRC).as_posix()
        for line, module in late_imports(path, path.read_text(encoding="utf-8")):
            found.setdefault((where, module), []).append(line)
    return found


def test_no_function_local_import_of_kizuna_outside_the_list() -> None:
    # given every module of src/kizuna
    # when its functions are read for imports of Kizuna's own code
    found = _all_late_imports()
    # then each one found is on the list, with its reason
    unexplained = [
        f"src/{where}:{line}: {module}"
        for (where, module), lines in found.items()
        if (where, module) not in LATE_IMPORTS
        for line in lines
    ]
    assert unexplained == [], (
        "import these at the top of the module; if that makes a cycle, move the code to the "
        "layer it belongs to (docs/architecture.md):\n" + "\n".join(unexplained)
    )


def test_every_late_import_on_the_list_is_still_there() -> None:
    found = _all_late_imports()
    stale = sorted(f"src/{where}: {module}" for where, module in LATE_IMPORTS.keys() - found)
    assert stale == [], "no longer imported late, take off LATE_IMPORTS:\n" + "\n".join(stale)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from kizuna.apps.x import y\n", [(2, "kizuna.apps.x")]),
        ("def f():\n    import kizuna.core.money\n", [(2, "kizuna.core.money")]),
        (
            "class A:\n    def m(self):\n        if x:\n            from kizuna import api\n",
            [(4, "kizuna")],
        ),
        ("async def f():\n    from . import views\n", [(2, "kizuna.apps.pages")]),
        ("def f():\n    def g():\n        from kizuna.a import b\n", [(3, "kizuna.a")]),
        ("from kizuna.apps.x import y\n\ndef f():\n    import django\n", []),
        ("def f():\n    from kizunax import y\n    import os\n", []),
    ],
)
def test_the_scan_finds_an_import_in_any_function(
    source: str, expected: list[tuple[int, str]]
) -> None:
    path = SRC / "kizuna" / "apps" / "pages" / "example.py"
    assert late_imports(path, source) == expected


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    return [name.strip() for layer in layers["layers"] for name in re.split(r"[|:]", layer)]


def test_every_app_has_its_place_in_the_layers() -> None:
    # given the apps (packages of kizuna/apps) and the top-level packages of kizuna
    apps = {
        f"kizuna.apps.{path.parent.name}"
        for path in (SRC / "kizuna" / "apps").glob("*/__init__.py")
    }
    packages = {f"kizuna.{path.parent.name}" for path in (SRC / "kizuna").glob("*/__init__.py")}
    # when the layers contract names its modules
    named = set(_layers())
    # then every app is placed, and every package but the apps' container
    assert len(apps) >= 17
    assert apps - named == set()
    assert packages - named == {"kizuna.apps"}
    assert {"kizuna.urls", "kizuna.api"} <= named
