"""The structure docs/architecture.md draws, where a test can see it:

- no function-local import of Kizuna's own code: a cycle between modules is resolved by moving
  code to the layer it belongs to (``lint-imports`` checks the layers), not by importing late.
  The few late imports that stay are listed below, each with its reason;
- every app of ``kizuna/apps`` has its place in the layers contract of pyproject.toml;
- every path in docs/architecture.md's table of capabilities exists, and so does every file of
  the repository that the docs and the comments name.
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
    ("kizuna/apps/churnreasons/apps.py", "kizuna.apps.churnreasons"): (
        "the receivers that find churn events when subscription lines change are connected in"
        " AppConfig.ready(), once the models are loaded"
    ),
    ("kizuna/apps/customers/apps.py", "kizuna.apps.customers.forms"): (
        "the filter choices' receivers are connected in AppConfig.ready(), once the models"
        " are loaded"
    ),
    ("kizuna/apps/customers/apps.py", "kizuna.apps.customers.models"): (
        "the models whose saves the filter choices' receivers follow, in AppConfig.ready()"
    ),
    ("kizuna/apps/customers/apps.py", "kizuna.apps.org.models"): (
        "the models whose saves the filter choices' receivers follow, in AppConfig.ready()"
    ),
    ("kizuna/apps/kpis/apps.py", "kizuna.apps.kpis"): (
        "the receivers that keep this year's KPI targets equal to the revenue targets and the"
        " coverage policies are connected in AppConfig.ready(), once the models are loaded"
    ),
    ("kizuna/apps/jobs/apps.py", "kizuna.apps.jobs"): (
        "each app's tasks.py is collected and the task signals are connected in"
        " AppConfig.ready(), once every app's models are loaded"
    ),
    ("kizuna/apps/renewals/apps.py", "kizuna.apps.renewals"): (
        "the receivers that refresh renewals when subscription lines change are connected in"
        " AppConfig.ready(), once the models are loaded"
    ),
    ("kizuna/apps/surveys/apps.py", "kizuna.apps.imports.services"): (
        "survey answers are registered as a kind of import in AppConfig.ready(), once the"
        " models are loaded (the import app is below the surveys and cannot name them)"
    ),
    ("kizuna/apps/surveys/apps.py", "kizuna.apps.surveys.answers"): (
        "survey answers are registered as a kind of import in AppConfig.ready(), once the"
        " models are loaded (the import app is below the surveys and cannot name them)"
    ),
    ("kizuna/cli/demo.py", "kizuna.apps.demo.services"): AFTER_SETUP,
    ("kizuna/cli/demo.py", "kizuna.apps.jobs.services"): AFTER_SETUP,
    ("kizuna/cli/demo.py", "kizuna.apps.tenant.selectors"): AFTER_SETUP,
    ("kizuna/cli/export.py", "kizuna.apps.exports.services"): AFTER_SETUP,
    ("kizuna/cli/health.py", "kizuna.apps.health.models"): AFTER_SETUP,
    ("kizuna/cli/imports.py", "kizuna.apps.imports.services"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.customers.models"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.customers.services"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.org.access"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.org.invitations"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.org.models"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.org.services"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.tenant.selectors"): AFTER_SETUP,
    ("kizuna/cli/init.py", "kizuna.apps.tenant.services"): AFTER_SETUP,
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


# --- docs point only at files in the repository ------------------------------------------------

ARCHITECTURE = ROOT / "docs" / "architecture.md"
CAPABILITIES = "## Where each capability lives"
#: A table's path is under src/kizuna/, but for these, which start at the repository's root.
FROM_ROOT = ("docs/", "tests/")
QUOTED = re.compile(r"`([^`]+)`")


def capability_rows(text: str) -> list[list[str]]:
    """The cells of each row of the table of capabilities (its header and rule left out)."""
    section = text[text.index(CAPABILITIES) :]
    section = section[: section.index("\n## ", len(CAPABILITIES))]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def missing_in_table(rows: list[list[str]]) -> list[str]:
    """The paths of the table that do not exist, and the names in brackets after a path
    (``selectors.py`` (``kpi_frame``)) that its file does not define."""
    missing = []
    for cells in rows:
        for cell in cells[1:]:
            file: Path | None = None
            for quoted in QUOTED.findall(cell):
                if "/" in quoted:
                    base = ROOT if quoted.startswith(FROM_ROOT) else SRC / "kizuna"
                    file = base / quoted
                    if not file.exists():
                        missing.append(quoted)
                elif file is not None and file.is_file() and quoted.isidentifier():
                    defined = re.compile(rf"^(?:def|class) {re.escape(quoted)}\b", re.M)
                    if not defined.search(file.read_text(encoding="utf-8")):
                        missing.append(f"{file.relative_to(ROOT)}: {quoted}")
    return missing


def test_every_path_in_the_table_of_capabilities_exists() -> None:
    # given the table of capabilities of docs/architecture.md
    rows = capability_rows(ARCHITECTURE.read_text(encoding="utf-8"))
    # then it has a row per capability, each with its eight columns
    names = " ".join(cells[0] for cells in rows)
    for capability in ("accounts", "coverage", "touchpoints", "usage", "revenue", "health",
                       "onboarding", "segments", "assignments", "jobs", "demo", "API", "audit",
                       "permissions", "company settings"):  # fmt: skip
        assert capability in names, capability
    assert {len(cells) for cells in rows} == {8}
    # and every path it names exists, every name it gives is defined where it says
    assert missing_in_table(rows) == []


def test_the_table_check_finds_a_missing_path_and_an_undefined_name() -> None:
    # given a row naming a file that is not there and a name its file does not define
    rows = [
        ["x", "`apps/nowhere/models.py`", "`core/calendar.py`", "—", "", "", "", ""],
        ["y", "`apps/onboarding/selectors.py` (`kpi_frame`, `no_such_function`)", *[""] * 6],
    ]
    # when checked, then both are reported, and nothing else
    assert missing_in_table(rows) == [
        "apps/nowhere/models.py",
        "src/kizuna/apps/onboarding/selectors.py: no_such_function",
    ]


#: Where a path named in a doc or a comment may start: the repository's folders, the package's
#: and its apps' folders (``apps/health/…``, ``core/…``, ``health/frames.py``).
REPOSITORY_DIRS = ("src", "tests", "docs", "bench", "scripts")
#: Folders a run creates (screenshots, benchmark results): named, never committed.
GENERATED = ("artifacts/", "var/")
NAMED_FILE = re.compile(
    r"(?<![\w/.<>{$-])((?:[\w.-]+/)+[\w.-]+\.(?:py|html|md|json|toml|css|js|sql|sh|po|csv))(?![\w/<])"
)


def _bases(named_in: Path) -> list[Path]:
    """Where a path named in ``named_in`` may be relative to: the repository, the package, its
    apps, their template and static folders, and the folders that hold ``named_in``."""
    package = SRC / "kizuna"
    folders = [*package.glob("apps/*/templates"), *package.glob("apps/*/static")]
    return [ROOT, SRC, package, package / "apps", *folders, *named_in.parents]


def _first_folders() -> set[str]:
    package = SRC / "kizuna"
    folders = {path.name for path in package.iterdir() if path.is_dir()}
    folders |= {path.name for path in (package / "apps").iterdir() if path.is_dir()}
    folders |= {path.name for path in (package / "core").iterdir() if path.is_dir()}
    return {*REPOSITORY_DIRS, *folders, "kizuna", "apps"}


def files_named_but_missing(path: Path, text: str) -> list[str]:
    """The repository files ``text`` (the contents of ``path``) names that do not exist: a
    path with a folder whose first folder is one of the repository's or the package's."""
    first = _first_folders()
    missing = []
    for match in NAMED_FILE.finditer(text):
        named = match.group(1)
        if named.split("/")[0] not in first or named.startswith(GENERATED):
            continue
        if not any((base / named).exists() for base in _bases(path)):
            missing.append(
                f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {named}"
            )
    return missing


def _docs_and_sources() -> list[Path]:
    package = SRC / "kizuna"
    return [
        *sorted((ROOT / "docs").glob("*.md")),
        ROOT / "README.md",
        *sorted((ROOT / "bench").glob("*.md")),
        *sorted(path for path in package.rglob("*.py") if "migrations" not in path.parts),
        *sorted(package.rglob("*.html")),
        *sorted(path for path in (ROOT / "tests").rglob("*.py") if path != Path(__file__)),
        *sorted((ROOT / "bench").rglob("*.py")),
        ROOT / "pyproject.toml",
    ]


def test_docs_and_comments_name_only_files_that_exist() -> None:
    # given the docs, the sources' comments and docstrings, the tests and the benchmarks
    files = _docs_and_sources()
    # when the repository files they name are looked up
    missing = [
        found
        for path in files
        for found in files_named_but_missing(path, path.read_text(encoding="utf-8"))
    ]
    # then each exists
    assert len(files) > 300
    assert missing == []


def test_the_docs_check_finds_a_file_that_is_not_there() -> None:
    # given a doc naming files that exist, a run's output, and one that does not exist
    text = (
        "See `health/frames.py`, front/base.html, tests/test_structure.py and\n"
        "artifacts/screenshots/tour.png; the deploy check is in tests/test_deploy.py."
    )
    # when checked, then only the missing one is reported, with its line
    assert files_named_but_missing(ROOT / "docs" / "x.md", text) == [
        "docs/x.md:2: tests/test_deploy.py"
    ]
