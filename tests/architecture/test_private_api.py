"""No product module leans on a dependency's private parts: no underscore-named module or
attribute of a package we do not own is imported, read or assigned, and no attribute of one is
assigned (monkeypatched). A driver or framework release that renames its internals then cannot
break us. Our own underscore names and dunder names are fine."""

import ast

from tests.architecture.source import imports, is_first_party, Module, product_modules

# Underscore names that are documented public API: Django's model Options API (`Model._meta`) and
# default managers, namedtuple's methods, os._exit.
DOCUMENTED_ATTRIBUTES = {"_meta", "_default_manager", "_base_manager", "_replace", "_asdict", "_fields", "_exit"}


def is_private(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in DOCUMENTED_ATTRIBUTES


def foreign_names(module: Module) -> dict[str, str]:
    """The module's names bound by importing something we do not own: {local name: dotted origin}."""
    bound = {}
    for imported in imports(module):
        if is_first_party(imported.module) or not imported.module:
            continue
        if not imported.names:
            for alias in imported.node.names:
                if alias.name == imported.module:
                    local = alias.asname or alias.name.split(".")[0]
                    bound[local] = alias.asname and alias.name or local
        else:
            for alias in imported.node.names:
                bound[alias.asname or alias.name] = f"{imported.module}.{alias.name}"
    return bound


def dotted(node: ast.Attribute) -> tuple[str, list[str]] | None:
    """`a.b.c` as ("a", ["b", "c"]); None when the chain does not start at a plain name."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.insert(0, node.attr)
        node = node.value
    return (node.id, attributes) if isinstance(node, ast.Name) else None


def private_imports(module: Module) -> list[str]:
    found = []
    for imported in imports(module):
        if is_first_party(imported.module) or not imported.module:
            continue
        parts = [*imported.module.split("."), *imported.names]
        names = [f"{imported.module}.{name}" for name in imported.names] or [imported.module]
        if any(is_private(part) for part in parts):
            found.append(f"{module.where(imported.node)} imports {', '.join(names)}")
    return found


def private_attributes(module: Module) -> list[str]:
    foreign = foreign_names(module)
    found = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.Attribute) or isinstance(getattr(node, "parent", None), ast.Attribute):
            continue
        chain = dotted(node)
        if chain is None or chain[0] not in foreign:
            continue
        root, attributes = chain
        path = ".".join([foreign[root], *attributes])
        if any(is_private(name) for name in attributes):
            found.append(f"{module.where(node)} uses {path}")
        elif isinstance(node.ctx, ast.Store | ast.Del):
            found.append(f"{module.where(node)} assigns {path}")
    return found


def annotate_parents(tree: ast.AST) -> None:
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            child.parent = parent


def test_no_product_module_imports_a_dependencys_private_module_or_name():
    found = [offence for module in product_modules() for offence in private_imports(module)]

    assert not found, "private parts of dependencies imported:\n" + "\n".join(found)


def test_no_product_module_reads_or_assigns_a_dependencys_private_attribute_or_patches_one():
    found = []
    for module in product_modules():
        annotate_parents(module.tree)
        found += private_attributes(module)

    assert not found, "dependencies' private attributes used, or their attributes assigned:\n" + "\n".join(found)


def test_the_scan_finds_private_imports_reads_and_patches_and_allows_our_own(tmp_path):
    source = """
import psycopg
import django.db.backends.postgresql.base as pg
from psycopg import _queries
from psycopg._encodings import conn_encoding
from django.db import connection
from scheduling import _internal
from . import _helpers
from django.utils.timezone import now

psycopg._queries.MAX_CACHED_STATEMENT_PARAMS = 10
connection._prepared = None
pg.DatabaseWrapper.data_types = {}
value = now().__class__
name = psycopg.__version__
fields = connection.__class__._meta if False else None
"""
    path = tmp_path / "sample.py"
    path.write_text(source)
    module = Module(path, "scheduling.sample", ast.parse(source))
    annotate_parents(module.tree)

    assert [offence.split(":", 1)[1] for offence in private_imports(module)] == [
        "4 imports psycopg._queries",
        "5 imports psycopg._encodings.conn_encoding",
    ]
    assert sorted(offence.split(":", 1)[1] for offence in private_attributes(module)) == [
        "11 uses psycopg._queries.MAX_CACHED_STATEMENT_PARAMS",
        "12 uses django.db.connection._prepared",
        "13 assigns django.db.backends.postgresql.base.DatabaseWrapper.data_types",
    ]
