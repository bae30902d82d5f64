"""The package's shape: every declaration generated from the header is reachable through the typed layer, the
operations table names only declared functions, and the modules import only downward (no circles, no imports
inside functions to hide one)."""

from __future__ import annotations

import ast
import ctypes
from pathlib import Path
from typing import Dict, List

import pytest

from arr_session import _abi, _ffi, _operations

PACKAGE = Path(_abi.__file__).resolve().parent

#: The layers, bottom up: a module may import only modules of lower layers (and its own layer's ``aio``
#: twin's base, which is listed before it).
LAYERS: List[List[str]] = [
    ["_abi", "_response", "credentials", "_closer"],
    ["_ffi", "models"],
    ["_args", "exceptions", "_paging", "aio._paging"],
    ["_decode", "_callbacks", "_preflight"],
    ["_native"],
    ["_operations"],
    ["_base", "_api"],
    ["_keeper", "_polling", "aio._base"],
    ["_client", "aio._keeper", "aio._polling"],
    ["aio._client"],
    ["aio", "__init__"],
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Dict[str, List[str]]:
    """The package modules ``path`` imports: {"top": [...], "inside functions": [...]}."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path).split(".")[:-1] if path.name != "__init__.py" else _module_name(path).split(".")
    if _module_name(path) == "__init__":
        package = []
    found: Dict[str, List[str]] = {"top": [], "inside functions": []}
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    nested = {id(n) for f in functions for n in ast.walk(f) if n is not f}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        names = [".".join(base + [node.module])] if node.module else [".".join(base + [a.name]) for a in node.names]
        where = "inside functions" if id(node) in nested else "top"
        found[where].extend(n.lstrip(".") for n in names)
    return found


def test_every_generated_declaration_is_a_typed_attribute_of_the_library() -> None:
    assert isinstance(_ffi.lib, _abi.Library)
    attributes = {name for name in vars(_ffi.lib) if name.startswith("arr_")}
    assert attributes == set(_abi.PROTOTYPES)
    for name, (restype, argtypes) in _abi.PROTOTYPES.items():
        function = getattr(_ffi.lib, name)
        assert function.restype is restype and list(function.argtypes) == argtypes, name


def test_a_misspelt_or_missing_function_fails_when_the_library_is_declared() -> None:
    class Partial:
        """A library lacking one function of the header."""

        _name = "libpartial.so"

        def __init__(self, cdll: ctypes.CDLL) -> None:
            self._cdll = cdll

        def __getattr__(self, name: str) -> object:
            if name == "arr_client_get_session":
                raise AttributeError(name)
            return getattr(self._cdll, name)

    cdll = ctypes.CDLL(_ffi.LIBRARY_PATH)
    with pytest.raises(ImportError, match="lacks arr_client_get_session"):
        _ffi._declare(Partial(cdll))
    with pytest.raises(AttributeError):
        _abi.Library(Partial(cdll))
    with pytest.raises(AttributeError):
        getattr(_ffi.lib, "arr_client_get_sesion")


def test_every_operation_names_declared_functions() -> None:
    declared = {id(getattr(_ffi.lib, name)): name for name in _abi.PROTOTYPES}
    operations = {k: v for k, v in vars(_operations).items() if isinstance(v, _operations.Operation)}
    assert len(operations) >= 15
    for key, operation in operations.items():
        started = declared.get(id(operation.started))
        assert started is not None and started.endswith("_async"), key
        if operation.blocking is not None:
            assert declared.get(id(operation.blocking)) == started[: -len("_async")], key


def test_modules_import_only_downward() -> None:
    layer_of = {module: i for i, layer in enumerate(LAYERS) for module in layer}
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        assert module in layer_of, f"{module} is in no layer of this test"
        imports = _imports(path)
        problems += [f"{module} imports {m} inside a function" for m in imports["inside functions"]]
        for imported in imports["top"]:
            target = imported if imported in layer_of else imported.rsplit(".", 1)[0]
            if target == "":
                target = "__init__"
            if target in layer_of and layer_of[target] >= layer_of[module] and target != module:
                problems.append(f"{module} (layer {layer_of[module]}) imports {target} (layer {layer_of[target]})")
    assert not problems, "\n".join(problems)
