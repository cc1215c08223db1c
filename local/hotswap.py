"""Function code edits without a deploy, as `cdk deploy --hotswap` does them for Lambda.

A deployed function's code is a folder of the app (a Lambda code asset: `Code.from_asset`).
`CodeAssets.scan` finds, for every function in the local endpoint, the app folder its code
came from: the folder whose files hold every file of the deployed package with the same
contents (fewest extra files wins; a tie is left to a full deploy). The extra files that
folder held then are what the asset excludes (`__pycache__`, ...), learned per folder.

`hotswap` zips the folder as it is now (the files `cdk watch` watches, minus those exclusions),
puts the zip into the endpoint's CDK asset bucket and calls `UpdateFunctionCode` with it for
each function built from that folder, exactly the calls hotswap makes on AWS: the local AWS
says what runs, and GetFunction downloads the new code. No synth, no CloudFormation.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

import httpx

from local.app_files import AppFiles
from local.runtime.client import local_client
from local.runtime.functions import unpack_code
from tools.tls import shared_tls_context

# A fixed time stamp for every entry, as the CDK CLI's zips have: the same files make the same
# bytes, so an unchanged folder keeps its CodeSha256.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DeployedFunction:
    name: str  # the physical name
    arn: str
    bucket: str  # the S3 bucket its code was deployed from


@dataclass
class CodeAsset:
    """One app folder that deployed functions run, and what its deployed package left out."""

    source: Path
    functions: list[DeployedFunction] = field(default_factory=list)
    excluded_names: frozenset[str] = frozenset()  # folder names the package never holds
    excluded_files: frozenset[str] = frozenset()  # other files it left out (relative paths)
    deployed: dict[str, str] = field(default_factory=dict)  # relative path -> sha256

    def includes(self, relative: PurePosixPath) -> bool:
        if relative.as_posix() in self.excluded_files:
            return False
        return not self.excluded_names.intersection(relative.parts[:-1])


def _file_hashes(folder: Path, paths: Iterable[Path]) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in paths
    }


def _learned_exclusions(
    extra: Iterable[str], kept: Iterable[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """Folder names that only the left-out files have, and the other left-out files."""
    kept_folders = {part for path in kept for part in PurePosixPath(path).parts[:-1]}
    names: set[str] = set()
    files: set[str] = set()
    for path in extra:
        folders = [p for p in PurePosixPath(path).parts[:-1] if p not in kept_folders]
        if folders:
            names.add(folders[0])
        else:
            files.add(path)
    return frozenset(names), frozenset(files)


class CodeAssets:
    """The app folders the deployed functions run, found from what the endpoint holds."""

    def __init__(self, app: AppFiles, assets: list[CodeAsset]) -> None:
        self.app = app
        self.assets = assets

    @classmethod
    def scan(cls, app: AppFiles, endpoint_url: str, code_root: Path) -> CodeAssets:
        watched = list(app.files())
        folders = sorted(
            {a for p in watched for a in p.parents if a.is_relative_to(app.root)},
            key=lambda p: len(p.parts),
        )
        by_sha: dict[str, CodeAsset | None] = {}
        lambda_client = local_client("lambda", endpoint_url)
        for page in lambda_client.get_paginator("list_functions").paginate():
            for config in page["Functions"]:
                sha = config["CodeSha256"]
                if sha not in by_sha:
                    described = lambda_client.get_function(FunctionName=config["FunctionArn"])
                    location: str = described["Code"].get("Location", "")
                    code_dir = unpack_code(code_root, sha, partial(_download, location))
                    by_sha[sha] = _match(code_dir, folders, watched)
                asset = by_sha[sha]
                if asset is not None:
                    described = lambda_client.get_function(FunctionName=config["FunctionArn"])
                    bucket = urlparse(described["Code"].get("Location", "")).path.split("/")[1]
                    fn = DeployedFunction(config["FunctionName"], config["FunctionArn"], bucket)
                    asset.functions.append(fn)
        merged: dict[Path, CodeAsset] = {}
        for asset in (a for a in by_sha.values() if a is not None):
            if asset.source in merged:  # two code versions of one folder (a hotswap half-done)
                merged[asset.source].functions += asset.functions
            else:
                merged[asset.source] = asset
        return cls(app, list(merged.values()))

    def owner(self, path: Path) -> CodeAsset | None:
        """The code asset whose folder holds `path` (the deepest), if any."""
        holders = [a for a in self.assets if path.resolve().is_relative_to(a.source)]
        return max(holders, key=lambda a: len(a.source.parts), default=None)

    def holds_app(self, asset: CodeAsset) -> bool:
        """A folder that also holds app.py or cdk.json builds the stacks too: never hot."""
        return any((asset.source / name).exists() for name in ("app.py", "cdk.json"))

    def package(self, asset: CodeAsset) -> tuple[bytes, dict[str, str]]:
        """The zip of the folder as it is now, and its files' hashes."""
        files = [
            path
            for path in self.app.files()
            if path.is_relative_to(asset.source)
            and asset.includes(PurePosixPath(path.relative_to(asset.source).as_posix()))
        ]
        hashes = _file_hashes(asset.source, files)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                entry = zipfile.ZipInfo(path.relative_to(asset.source).as_posix(), _ZIP_TIME)
                entry.external_attr = 0o644 << 16
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, path.read_bytes())
        return buffer.getvalue(), hashes


def _download(location: str) -> bytes:
    response = httpx.get(location, timeout=30, verify=shared_tls_context())
    response.raise_for_status()
    return response.content


def _match(code_dir: Path, folders: list[Path], watched: list[Path]) -> CodeAsset | None:
    """The app folder this package was built from, or None when none (or no one) matches."""
    package = _file_hashes(code_dir, (p for p in code_dir.rglob("*") if p.is_file()))
    if not package:
        return None
    best: list[tuple[int, Path, dict[str, str]]] = []
    for folder in folders:
        held = _file_hashes(folder, (p for p in watched if p.is_relative_to(folder)))
        if all(held.get(path) == sha for path, sha in package.items()):
            best.append((len(held) - len(package), folder, held))
    best.sort(key=lambda item: item[0])
    if not best or (len(best) > 1 and best[0][0] == best[1][0]):
        return None
    _, folder, held = best[0]
    names, files = _learned_exclusions(set(held) - set(package), package)
    return CodeAsset(folder, [], names, files, package)


@dataclass(frozen=True)
class Hotswapped:
    """What one hotswap did: the asset's functions now run the code with this CodeSha256."""

    asset: CodeAsset
    code_sha256: str
    functions: list[DeployedFunction]


def hotswap(
    asset: CodeAsset, package: bytes, hashes: dict[str, str], endpoint_url: str, code_root: Path
) -> Hotswapped:
    """Upload the package as an asset and point each of the asset's functions at it."""
    s3 = local_client("s3", endpoint_url)
    lambda_client = local_client("lambda", endpoint_url)
    key = f"{hashlib.sha256(package).hexdigest()}.zip"  # as the CDK CLI names its assets
    code_sha = ""
    for bucket in sorted({fn.bucket for fn in asset.functions}):
        s3.put_object(Bucket=bucket, Key=key, Body=package)
    for fn in asset.functions:
        answer = lambda_client.update_function_code(
            FunctionName=fn.arn, S3Bucket=fn.bucket, S3Key=key
        )
        code_sha = answer["CodeSha256"]
    unpack_code(code_root, code_sha, lambda: package)  # the data plane finds it unpacked
    asset.deployed = hashes
    return Hotswapped(asset, code_sha, list(asset.functions))
