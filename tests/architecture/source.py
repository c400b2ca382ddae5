"""The product's Python source, parsed: which modules there are and what each one imports."""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The installed product: what the image ships. Tests, migrations, bench and dev tools are not in it.
PRODUCT = (
    "core",
    "config",
    "accounts",
    "scheduling",
    "notifications",
    "care",
    "telehealth",
    "checkins",
    "api",
    "web",
    "audit",
    "calendars",
    "waitlist",
)


@dataclass(frozen=True)
class Module:
    path: Path
    name: str  # dotted, e.g. "scheduling.services.booking"
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name.split(".")[0]

    def where(self, node: ast.AST) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{node.lineno}"


@dataclass(frozen=True)
class Import:
    node: ast.AST
    module: str  # absolute, e.g. "api.problems"
    names: tuple[str, ...]  # for `from module import a, b`; empty for `import module`


@cache
def product_modules() -> tuple[Module, ...]:
    return tuple(_parse())


def _parse() -> Iterator[Module]:
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield Module(path, name, ast.parse(path.read_text(), filename=str(path)))


def imports(module: Module) -> Iterator[Import]:
    """Every import anywhere in the module (functions included), made absolute."""
    is_package = module.path.name == "__init__.py"
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(node, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.name.split(".")
                parent = parent if is_package else parent[:-1]
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            yield Import(node, base, tuple(alias.name for alias in node.names))


def is_first_party(module: str) -> bool:
    return module.split(".")[0] in PRODUCT
