"""What the kept state is, and how it is pickled: every moto backend in use in ONE pickle.

Every moto backend in use (the CloudFormation stacks, the Cognito pools and users, the DynamoDB
items, the S3 assets, ...) is pickled in one pickle, so objects shared across services (a
stack's resource map holds the very pool object the Cognito backend serves) stay shared after a
load.

What plain pickle refuses, and how it is kept:
- cryptography keys (moto's Cognito signing key inside joserfc's RSAKey, CloudFormation's
  copy of it): as PKCS#8 / SubjectPublicKeyInfo PEM, loaded back into the same key;
- threading locks (ECR, S3 keys): a new, unlocked lock;
- WeakValueDictionary (Lambda's ARN index): its current items, weakly held again;
- functions defined inside functions (moto's `defaultdict(lambda: ...)` factories): their
  code (marshal, hence the Python version in the file's header) and their module's globals;
  one with a closure fails the save with its name (never a silently wrong load);
- subclasses of defaultdict/OrderedDict whose __init__ takes other arguments (SSM's
  ParameterDict): made without that __init__, then filled;
- moto's live BackendDicts, when a model points at one: a reference to the live one.
"""

from __future__ import annotations

import importlib
import marshal
import pickle
import threading
import types
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from . import moto_seam

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_PRIVATE_KEYS = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)
_PUBLIC_KEYS = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey)


class SnapshotError(RuntimeError):
    """A snapshot cannot be saved or loaded; the message says why in one line."""


# --- what pickle cannot take as is -------------------------------------------------------


def _load_private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _load_public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def _new_lock(reentrant: bool) -> Any:
    return threading.RLock() if reentrant else threading.Lock()


def _local_function(module: str, name: str, code: bytes) -> Callable[..., Any]:
    """A function defined inside another (moto's `defaultdict(lambda: ...)` factories)."""
    globals_ = vars(importlib.import_module(module))
    return types.FunctionType(marshal.loads(code), globals_, name)  # noqa: S302 - our own file


def _bare(cls: Any, factory: Callable[[], Any] | None) -> Any:
    """A subclass of defaultdict/OrderedDict made without its own __init__ (which may need
    arguments: SSM's ParameterDict); pickle then restores its attributes and items."""
    made = cls.__new__(cls)
    if isinstance(made, defaultdict):
        defaultdict.__init__(made, factory)
    return made


def _live_backend_dict(module: str, service: str) -> Any:
    return _find_backend_dict(module, service)


def _find_backend_dict(module: str, service: str) -> Any:
    from moto.core.base_backend import BackendDict

    for value in vars(importlib.import_module(module)).values():
        if isinstance(value, BackendDict) and value.service_name == service:
            return value
    raise SnapshotError(f"moto has no '{service}' backends in {module} any more")


class SnapshotPickler(pickle.Pickler):
    """Pickle, plus the objects listed in this module's docstring."""

    def reducer_override(self, obj: Any) -> Any:
        from moto.core.base_backend import BackendDict

        if isinstance(obj, _LOCK_TYPES):
            return _new_lock, (isinstance(obj, _LOCK_TYPES[1]),)
        if isinstance(obj, _PRIVATE_KEYS):
            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _load_private_key, (pem,)
        if isinstance(obj, _PUBLIC_KEYS):
            pem = obj.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return _load_public_key, (pem,)
        if isinstance(obj, weakref.WeakValueDictionary):
            return weakref.WeakValueDictionary, (dict(obj.items()),)
        if isinstance(obj, BackendDict):
            return _live_backend_dict, (obj.backend.__module__, obj.service_name)
        dict_like = (defaultdict, OrderedDict)
        if isinstance(obj, dict_like) and type(obj) not in dict_like:
            factory = obj.default_factory if isinstance(obj, defaultdict) else None
            return _bare, (type(obj), factory), vars(obj) or None, None, iter(obj.items())
        if isinstance(obj, types.FunctionType) and "<locals>" in obj.__qualname__:
            if obj.__closure__ or obj.__defaults__ or obj.__kwdefaults__:
                raise SnapshotError(f"cannot save the function {obj.__qualname__}")
            return _local_function, (obj.__module__, obj.__name__, marshal.dumps(obj.__code__))
        return NotImplemented


# --- the snapshot ------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Every moto backend in use, by (models module, service), plus the run's own metadata."""

    backends: dict[tuple[str, str], dict[str, dict[str, Any]]]
    metadata: dict[str, Any] = field(default_factory=dict)


def capture(metadata: dict[str, Any]) -> Snapshot:
    """The live backends (call with requests held off: see RequestGate)."""
    backends: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for backend_dict in list(moto_seam.backend_dicts()):
        accounts = {account: dict(regions) for account, regions in backend_dict.items()}
        if any(accounts.values()):
            key = (backend_dict.backend.__module__, backend_dict.service_name)
            backends[key] = accounts
    return Snapshot(backends=backends, metadata=dict(metadata))


def install(snapshot: Snapshot) -> None:
    """Replace moto's live backends with the snapshot's (all found before any is replaced)."""
    targets = [(_find_backend_dict(*key), accounts) for key, accounts in snapshot.backends.items()]
    for backend_dict, accounts in targets:
        backend_dict.clear()
        for account, regions in accounts.items():
            account_backends = backend_dict[account]  # creates the account's (empty) mapping
            for region, backend in regions.items():
                dict.__setitem__(account_backends, region, backend)
        if backend_dict not in moto_seam.backend_dicts():
            moto_seam.backend_dicts().append(backend_dict)
