"""moto's CloudFormation parser is imported with one boto3 Session, and the regions are moto's."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

# Run in a new interpreter: the parser (and moto's EC2 models under it) must not be imported yet.
_IMPORT_AND_REPORT = """
import json
import boto3
from boto3 import session as boto3_session

created = []
original_init = boto3_session.Session.__init__

def counting_init(self, *args, **kwargs):
    created.append(args or kwargs)
    original_init(self, *args, **kwargs)

boto3_session.Session.__init__ = counting_init
original = boto3.Session
from local.emulator.server.moto_import import cloudformation_parsing
parsing = cloudformation_parsing()
boto3_session.Session.__init__ = original_init

from moto.ec2.models.availability_zones_and_regions import RegionsAndZonesBackend
plain = boto3.Session()
expected = [
    *plain.get_available_regions("ec2"),
    *plain.get_available_regions("ec2", partition_name="aws-us-gov"),
    *plain.get_available_regions("ec2", partition_name="aws-cn"),
]
print(json.dumps({
    "parsing": parsing.__name__,
    "sessions": len(created),
    "restored": boto3.Session is original,
    "regions": [r.name for r in RegionsAndZonesBackend.regions],
    "expected": expected,
}))
"""


def test_the_parser_is_imported_with_one_session_and_the_same_regions() -> None:
    """GIVEN a new interpreter
    WHEN moto's CloudFormation parser is imported through moto_import
    THEN one boto3 Session is built on the way (moto's cached one; a plain import builds three
    more for EC2's region lists), boto3.Session is itself again afterwards, and moto's EC2
    lists exactly the regions a new Session lists."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_AND_REPORT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["parsing"] == "moto.cloudformation.parsing"
    assert report["sessions"] == 1
    assert report["restored"] is True
    assert report["regions"] == report["expected"]
    assert "us-east-1" in report["regions"]
