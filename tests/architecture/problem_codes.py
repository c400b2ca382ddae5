"""Which problem codes an API operation's handler can raise, read from the source.

From the handler, calls are followed through the project's own functions: names a module defines
or imports (inside functions too), `module.function`, `Class.method` and `self.method`, and each
`scheduling.hooks` runner to the listeners registered with it. A call of a `core.errors` class (or
a subclass) yields its status and `code`; a code that is not a literal (the engine's refusal
passed on) is DYNAMIC. Method calls on other objects are not followed: this finds the codes the
project raises by name, which is what the schema must list."""

import ast
import pathlib

from django.conf import settings

ROOT = pathlib.Path(settings.BASE_DIR)
# The product's own packages (the installed apps that live in this repository, and config), but
# not the pages: no API handler calls them.
APPS = sorted({app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
              - {"web"} | {"config", "core"})
STATUS = {
    "DomainError": 400,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "Unprocessable": 422,
    "TooManyRequests": 429,
    "ServiceUnavailable": 503,
}
DEFAULT = {
    "DomainError": "bad_request",
    "Forbidden": "permission_denied",
    "NotFound": "not_found",
    "Conflict": "conflict",
    "Unprocessable": "unprocessable",
    "TooManyRequests": "throttled",
    "ServiceUnavailable": "service_unavailable",
}


class Module:
    def __init__(self, name, tree, is_package=False):
        self.name, self.tree = name, tree
        self.defs = {}  # top-level function/class name -> node
        self.imports = {}  # local name -> ("module", modname) | ("symbol", modname, name)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[node.name] = node
        for node in ast.walk(tree):  # imports inside functions too (AppConfig.ready, lazy imports)
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.imports[a.asname or a.name.split(".")[0]] = (
                        "module",
                        a.name if a.asname else a.name.split(".")[0],
                    )
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    package = package[: len(package) - (node.level - 1)]
                    base = ".".join(package + ([node.module] if node.module else []))
                for a in node.names:
                    self.imports[a.asname or a.name] = ("symbol", base, a.name)


modules = {}
for app in APPS:
    for p in (ROOT / app).rglob("*.py"):
        if "migrations" in p.parts:
            continue
        rel = p.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts)
        modules[name] = Module(name, ast.parse(p.read_text()), is_package=rel.parts[-1] == "__init__")


def lookup(modname, symbol, depth=0):
    """(module, node) a symbol names, following re-exports."""
    mod = modules.get(modname)
    if mod is None or depth > 5:
        return None
    if symbol in mod.defs:
        return mod, mod.defs[symbol]
    if symbol in mod.imports:
        kind, *rest = mod.imports[symbol]
        if kind == "symbol":
            sub = f"{rest[0]}.{rest[1]}"
            if sub in modules:
                return ("module", sub)
            return lookup(rest[0], rest[1], depth + 1)
        return ("module", rest[0])
    if f"{modname}.{symbol}" in modules:
        return ("module", f"{modname}.{symbol}")
    return None


def error_info(mod, name, seen=()):
    if name in STATUS:
        return STATUS[name], DEFAULT[name]
    found = lookup(mod.name, name)
    if not found or found[0] == "module" or not isinstance(found[1], ast.ClassDef) or name in seen:
        return None
    cmod, cls = found
    attrs = {
        st.targets[0].id: st.value.value
        for st in cls.body
        if isinstance(st, ast.Assign)
        and len(st.targets) == 1
        and isinstance(st.targets[0], ast.Name)
        and isinstance(st.value, ast.Constant)
    }
    for b in cls.bases:
        bname = b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
        info = error_info(cmod, bname, seen + (name,))
        if info:
            return attrs.get("status", info[0]), attrs.get("code", info[1])
    return None


def resolve(mod, cls, func):
    """The (module, FunctionDef/ClassDef) a call's func expression names, if in the project."""
    if isinstance(func, ast.Name):
        found = lookup(mod.name, func.id)
        return found if found and found[0] != "module" else None
    if isinstance(func, ast.Attribute):
        value = func.value
        if isinstance(value, ast.Name) and value.id in ("self", "cls") and cls is not None:
            for st in cls.body:
                if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == func.attr:
                    return mod, st
            for b in cls.bases:  # a base's method
                bname = b.id if isinstance(b, ast.Name) else None
                found = lookup(mod.name, bname) if bname else None
                if found and found[0] != "module" and isinstance(found[1], ast.ClassDef):
                    r = resolve(found[0], found[1], func)
                    if r:
                        return r
            return None
        if isinstance(value, ast.Name):
            found = lookup(mod.name, value.id)
            if found and found[0] == "module" and found[1] in modules:
                target = lookup(found[1], func.attr)
                return target if target and target[0] != "module" else None
            if found and found[0] != "module" and isinstance(found[1], ast.ClassDef):  # Class.method
                for st in found[1].body:
                    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)) and st.name == func.attr:
                        return found[0], st
    return None


def _hooks():
    """scheduling.hooks: which runner calls which registered listeners (module, FunctionDef)."""
    hooks = modules["scheduling.hooks"]
    lists_of_register, lists_of_runner = {}, {}
    for name, node in hooks.defs.items():
        if not isinstance(node, ast.FunctionDef):
            continue
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "_register":
                lists_of_register[name] = sub.args[0].id
            if isinstance(sub, ast.For) and isinstance(sub.iter, ast.Name):
                lists_of_runner[name] = sub.iter.id
    listeners = {}
    for mod in modules.values():
        for sub in ast.walk(mod.tree):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr in lists_of_register
                and isinstance(sub.func.value, ast.Name)
                and sub.args
            ):
                target = resolve(mod, None, ast.Call(func=sub.args[0], args=[], keywords=[]).func)
                if target:
                    listeners.setdefault(lists_of_register[sub.func.attr], []).append(target)
    return {runner: listeners.get(name, []) for runner, name in lists_of_runner.items()}


memo = {}
DYNAMIC = "<dynamic>"
HOOKS = _hooks()


def codes_of(mod, cls, node, stack=frozenset()):
    key = id(node)
    if key in memo:
        return memo[key]
    if key in stack:
        return set()
    stack = stack | {key}
    out = set()
    if isinstance(node, ast.ClassDef):
        init = next((st for st in node.body if isinstance(st, ast.FunctionDef) and st.name == "__init__"), None)
        if init is not None:
            out |= codes_of(mod, node, init, stack)
        memo[key] = out
        return out
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            info = error_info(mod, name) if isinstance(f, ast.Name) else None
            if info is None and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                found = lookup(mod.name, f.value.id)
                if found and found[0] == "module" and found[1] in modules:
                    info = error_info(modules[found[1]], f.attr)
            if info:
                status, code = info
                for kw in sub.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                        code = kw.value.value
                    if kw.arg == "status" and isinstance(kw.value, ast.Constant):
                        status = kw.value.value
                code_kw = next((kw.value for kw in sub.keywords if kw.arg == "code"), None)
                if code_kw is not None and not isinstance(code_kw, ast.Constant):
                    code = DYNAMIC
                out.add((status, code))
                continue
            target = resolve(mod, cls, f)
            if target and target[0].name == "scheduling.hooks" and getattr(target[1], "name", "") in HOOKS:
                for lmod, lnode in HOOKS[target[1].name]:
                    out |= codes_of(lmod, _class_of(lmod, lnode), lnode, stack)
                continue
            if target:
                tmod, tnode = target
                tcls = None
                out |= codes_of(
                    tmod, tcls if not isinstance(tnode, ast.FunctionDef) else _class_of(tmod, tnode), tnode, stack
                )
    for d in getattr(node, "decorator_list", []):
        target = resolve(mod, cls, d.func if isinstance(d, ast.Call) else d)
        if target and isinstance(target[1], ast.FunctionDef):
            out |= codes_of(target[0], None, target[1], stack)
    memo[key] = out
    return out


def _class_of(mod, fn):
    for node in ast.walk(mod.tree):
        if isinstance(node, ast.ClassDef) and fn in node.body:
            return node
    return None


def handler_codes(view_class, method):
    """(status, code) the view's `method` can raise: its handler and every method its project
    classes define (the hooks a base handler calls on `self`), followed through project calls."""
    out = set()
    found = False
    for klass in view_class.__mro__:
        mod = modules.get(klass.__module__)
        cls = (
            next((n for n in ast.walk(mod.tree) if isinstance(n, ast.ClassDef) and n.name == klass.__name__), None)
            if mod
            else None
        )
        if cls is None:
            continue
        for st in cls.body:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if st.name == method:
                    found = True
                elif st.name in ("get", "post", "put", "patch", "delete"):
                    continue
                out |= codes_of(mod, cls, st)
    return out if found else set()
