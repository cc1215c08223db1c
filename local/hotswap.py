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
from concurrent.futures import ThreadPoolExecutor
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
    excluded_suffixes: frozenset[str] = frozenset()  # file suffixes it never holds
    deployed: dict[str, str] = field(default_factory=dict)  # relative path -> sha256

    def includes(self, relative: PurePosixPath) -> bool:
        if relative.suffix and relative.suffix in self.excluded_suffixes:
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
    """What the package left out of its folder, as rules: a folder name none of its files is
    in (`__pycache__`), else a file suffix none of its files has (`.pyc`). Any other file the
    folder holds and the package does not was made after the deploy: the next package has it."""
    kept = list(kept)
    kept_folders = {part for path in kept for part in PurePosixPath(path).parts[:-1]}
    kept_suffixes = {PurePosixPath(path).suffix for path in kept}
    names: set[str] = set()
    suffixes: set[str] = set()
    for path in extra:
        relative = PurePosixPath(path)
        folders = [p for p in relative.parts[:-1] if p not in kept_folders]
        if folders:
            names.add(folders[0])
        elif relative.suffix and relative.suffix not in kept_suffixes:
            suffixes.add(relative.suffix)
    return frozenset(names), frozenset(suffixes)


class CodeAssets:
    """The app folders the deployed functions run, found from what the endpoint holds."""

    def __init__(self, app: AppFiles, assets: list[CodeAsset]) -> None:
        self.app = app
        self.assets = assets

    @classmethod
    def scan(
        cls,
        app: AppFiles,
        endpoint_url: str,
        code_root: Path,
        previous: CodeAssets | None = None,
    ) -> CodeAssets:
        """Every deployed function whose package came from a folder of the app, by folder. A
        package no folder matches now (a file removed since its deploy began) keeps the
        folder `previous` knew its function by."""
        watched = list(app.files())
        folders = sorted(
            {a for p in watched for a in p.parents if a.is_relative_to(app.root)},
            key=lambda p: len(p.parts),
        )
        known = {fn.arn: a for a in (previous.assets if previous else []) for fn in a.functions}
        matched: dict[str, CodeAsset | None] = {}
        by_source: dict[Path, CodeAsset] = {}
        lambda_client = local_client("lambda", endpoint_url)
        for page in lambda_client.get_paginator("list_functions").paginate():
            for config in page["Functions"]:
                arn, sha = config["FunctionArn"], config["CodeSha256"]
                location: str = lambda_client.get_function(FunctionName=arn)["Code"]["Location"]
                if sha not in matched:
                    code_dir = unpack_code(code_root, sha, partial(_download, location))
                    matched[sha] = _match(code_dir, folders, watched)
                found = matched[sha] or known.get(arn)
                if found is None:
                    continue  # not the app's code (a CDK custom resource's, say)
                asset = by_source.setdefault(
                    found.source,
                    CodeAsset(
                        found.source,
                        [],
                        found.excluded_names,
                        found.excluded_suffixes,
                        found.deployed,
                    ),
                )
                bucket = urlparse(location).path.split("/")[1]
                asset.functions.append(DeployedFunction(config["FunctionName"], arn, bucket))
        return cls(app, list(by_source.values()))

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
    """The app folder this package was built from: the one holding most of its files at the
    same paths (more of them with the same contents, then fewer other files, breaks a tie; the
    tree may have moved on since the deploy), or None when no folder (or no one) does."""
    package = _file_hashes(code_dir, (p for p in code_dir.rglob("*") if p.is_file()))
    if not package:
        return None
    ranked: list[tuple[tuple[int, int, int], Path, dict[str, str]]] = []
    for folder in folders:
        held = _file_hashes(folder, (p for p in watched if p.is_relative_to(folder)))
        common = set(package) & set(held)
        if len(common) * 2 <= len(package):
            continue
        same = sum(held[path] == package[path] for path in common)
        ranked.append(((-len(common), -same, len(held) - len(common)), folder, held))
    ranked.sort(key=lambda item: item[0])
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    _, folder, held = ranked[0]
    names, suffixes = _learned_exclusions(set(held) - set(package), package)
    return CodeAsset(folder, [], names, suffixes, package)


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

    def update(fn: DeployedFunction) -> str:
        answer = lambda_client.update_function_code(
            FunctionName=fn.arn, S3Bucket=fn.bucket, S3Key=key
        )
        return str(answer["CodeSha256"])

    with ThreadPoolExecutor(max_workers=max(1, len(asset.functions))) as pool:
        code_sha = next(iter(set(pool.map(update, asset.functions))), "")
    unpack_code(code_root, code_sha, lambda: package)  # the data plane finds it unpacked
    asset.deployed = hashes
    return Hotswapped(asset, code_sha, list(asset.functions))
