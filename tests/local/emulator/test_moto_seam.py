"""moto_seam is the one seam into moto's private API: what it lists exists in the installed moto
with the parameters it expects, and no other product module reaches a listed private name.

The installed moto's source is read (ast), not its live classes: the add-on patches some of
them (cognito/minting.py replaces CognitoIdpBackend._log_user_in) when it runs in this process.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

from local.emulator.server import moto_seam
from tests.conftest import ROOT

_SEAM = Path(moto_seam.__file__).resolve()
_PRIVATE_NAMES = frozenset(
    [name for _, name, _ in moto_seam.PRIVATE_METHODS]
    + [name for _, name in moto_seam.PRIVATE_ATTRIBUTES]
)


def _module_and_class(dotted: str) -> tuple[ModuleType, str | None]:
    """`moto.x.y.Class` -> (moto.x.y, "Class"); `moto.x.y` -> (moto.x.y, None)."""
    try:
        return importlib.import_module(dotted), None
    except ImportError:
        module, _, owner = dotted.rpartition(".")
        return importlib.import_module(module), owner


def _class_source(dotted: str) -> ast.ClassDef:
    module, owner = _module_and_class(dotted)
    tree = ast.parse(inspect.getsource(module))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == owner]
    assert found, f"the installed moto has no class {dotted}"
    return found[0]


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    moto_seam.PRIVATE_METHODS,
    ids=[f"{owner.rsplit('.', 1)[1]}.{name}" for owner, name, _ in moto_seam.PRIVATE_METHODS],
)
def test_given_a_listed_private_method_when_moto_is_read_then_it_has_those_parameters(
    owner: str, name: str, parameters: tuple[str, ...]
) -> None:
    """GIVEN a private moto method the seam calls WHEN the installed moto's source is read THEN
    its class defines it with exactly those parameters."""
    methods = [
        node
        for node in _class_source(owner).body
        if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    assert methods, f"the installed moto's {owner} has no {name}"
    arguments = methods[0].args
    found = tuple(a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs)
    assert found == parameters, f"{owner}.{name} now takes {found}, the seam expects {parameters}"
    module, owner_name = _module_and_class(owner)
    live = getattr(getattr(module, owner_name or ""), name)
    if live.__module__.startswith("moto."):  # not replaced by the add-on in this process
        assert tuple(inspect.signature(live).parameters) == parameters


@pytest.mark.parametrize(
    ("owner", "name"),
    moto_seam.PRIVATE_ATTRIBUTES,
    ids=[f"{owner.rsplit('.', 1)[1]}.{name}" for owner, name in moto_seam.PRIVATE_ATTRIBUTES],
)
def test_given_a_listed_private_attribute_when_moto_is_read_then_it_is_there(
    owner: str, name: str
) -> None:
    """GIVEN a private moto attribute the seam reads WHEN the installed moto is read THEN the
    module has it, or the class sets it (on itself or on `self`)."""
    module, owner_name = _module_and_class(owner)
    if owner_name is None:
        assert hasattr(module, name), f"the installed {owner} has no {name}"
        return
    source = inspect.getsource(getattr(module, owner_name))
    pattern = rf"(self\.{re.escape(name)}\s*[:=][^=]|^\s+{re.escape(name)}\s*[:=][^=])"
    assert re.search(pattern, source, re.MULTILINE), f"the installed {owner} sets no {name}"


def _private_uses(path: Path) -> list[str]:
    """Where `path` reaches a listed private moto name, or imports from a private moto path."""
    tree = ast.parse(path.read_text(), filename=str(path))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _PRIVATE_NAMES:
            uses.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "moto" and any(part.startswith("_") for part in parts):
                    names = ", ".join(alias.name for alias in node.names)
                    uses.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module}: {names}")
    return uses


def test_given_the_product_when_scanned_then_only_the_seam_reaches_moto_private_names() -> None:
    """GIVEN every module under local/ WHEN scanned (ast) THEN none but moto_seam.py calls a
    listed private moto name or imports a private moto module."""
    files = [p.resolve() for p in sorted((ROOT / "local").rglob("*.py"))]
    uses = [use for p in files if p != _SEAM for use in _private_uses(p)]
    assert uses == [], "call moto's private API through local/emulator/server/moto_seam.py"


def test_given_the_seam_when_scanned_then_it_reaches_moto_private_names() -> None:
    """GIVEN moto_seam.py WHEN scanned as the product is THEN the scan finds its uses (the scan
    above would notice a call site)."""
    assert _private_uses(_SEAM)


def test_given_the_seam_when_scanned_then_each_listed_name_is_one_it_uses() -> None:
    """GIVEN moto_seam's lists WHEN its own source is scanned THEN every listed name is used
    there (the lists say what the seam depends on, no more)."""
    used = " ".join(_private_uses(_SEAM))
    assert [name for name in sorted(_PRIVATE_NAMES) if name not in used] == []
