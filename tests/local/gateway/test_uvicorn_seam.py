"""The uvicorn internals the gateway's protocol relies on are still there, as the seam lists them.

These fail when an installed uvicorn renames, re-signs or stops setting one of them, rather than
the gateway failing (or silently writing responses in two pieces) after an upgrade.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from local.gateway import protocol, uvicorn_seam
from local.gateway.uvicorn_seam import BASE_ATTRIBUTES, BASE_METHODS, HttpToolsProtocol


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Never called: the protocol is only made and connected."""


def _parameters(function: Any) -> tuple[str, ...]:
    return tuple(list(inspect.signature(function).parameters)[1:])  # after self


def _uses_of_the_base_class() -> set[str]:
    """Names the gateway's protocol reads on `self` or calls on `super()` that it does not
    define itself: what it takes from uvicorn's class."""
    tree = ast.parse(Path(protocol.__file__).read_text())
    subclass = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and node.name == protocol.CoalescingHttpToolsProtocol.__name__
    )
    defined = {node.name for node in subclass.body if isinstance(node, ast.FunctionDef)}
    used: set[str] = set()
    for node in ast.walk(subclass):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        on_self = isinstance(owner, ast.Name) and owner.id == "self"
        on_super = isinstance(owner, ast.Call) and getattr(owner.func, "id", "") == "super"
        if on_self and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif on_self or on_super:
            used.add(node.attr)
    return used - (defined - set(BASE_METHODS))


def test_each_method_the_protocol_overrides_exists_in_uvicorn_with_the_parameters_it_passes() -> (
    None
):
    """GIVEN the installed uvicorn WHEN its httptools protocol's methods are read THEN each one
    the seam lists exists, takes the parameters the gateway's override passes, and the override
    takes the same ones."""
    for name, expected in BASE_METHODS.items():
        base_method = getattr(HttpToolsProtocol, name, None)
        assert callable(base_method), f"uvicorn's HttpToolsProtocol has no {name}() any more"
        assert _parameters(base_method) == expected, f"uvicorn changed {name}()'s parameters"
        override = getattr(protocol.CoalescingHttpToolsProtocol, name)
        assert _parameters(override) == expected, f"the gateway's {name}() differs from uvicorn's"


def test_the_attributes_the_protocol_reads_are_set_once_uvicorn_made_the_connection() -> None:
    """GIVEN uvicorn's own protocol, made as its server makes it WHEN a connection is made THEN
    every attribute the seam lists is set (the loop, the logger, the transport, the tasks)."""
    transport = asyncio.Transport()

    async def connect() -> HttpToolsProtocol:
        config = uvicorn.Config(_app, http="httptools", log_level="warning")
        made = HttpToolsProtocol(config, ServerState(), {})
        made.connection_made(transport)
        return made

    connected = asyncio.run(connect())
    missing = [name for name in BASE_ATTRIBUTES if getattr(connected, name, None) is None]
    assert not missing, f"uvicorn no longer sets {missing} when a connection is made"
    assert connected.transport is transport
    assert isinstance(connected.tasks, set)


def test_everything_the_protocol_takes_from_uvicorn_is_listed_in_the_seam() -> None:
    """GIVEN the gateway's protocol module WHEN what it uses of uvicorn is read THEN each name
    is one the seam lists (and tests above), and the class comes through the seam."""
    unlisted = _uses_of_the_base_class() - set(BASE_METHODS) - set(BASE_ATTRIBUTES)
    assert not unlisted, f"local.gateway.protocol uses {unlisted}: list them in uvicorn_seam"
    assert protocol.CoalescingHttpToolsProtocol.__bases__ == (uvicorn_seam.HttpToolsProtocol,)
    imports = ast.walk(ast.parse(Path(protocol.__file__).read_text()))
    modules = {node.module for node in imports if isinstance(node, ast.ImportFrom)}
    assert not {module for module in modules if module and module.startswith("uvicorn")}
