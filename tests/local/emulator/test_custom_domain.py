"""The add-on's API Gateway v2 domain name and API mapping types, with a Route 53 alias to the
domain's regional name (moto's own RecordSet type), deployed through a CDK-style change set."""

from __future__ import annotations

import pytest

from local.emulator.caller import EmulatorProcess
from local.emulator.caller.verify import check_deployment
from local.runtime.client import LocalClients
from tests.local.emulator import templates
from tests.local.emulator.conftest import AwsClient
from tests.local.emulator.test_cloudformation_addon import deploy, outputs
from tools.ports import free_port

STACK = "EmuDomain"


@pytest.fixture(scope="module")
def domain_out(aws: AwsClient) -> dict[str, str]:
    assert deploy(aws, STACK, templates.DOMAIN) == "CREATE_COMPLETE"
    return outputs(aws, STACK)


def test_domain_name_keeps_its_certificate_and_gets_a_regional_target(
    aws: AwsClient, domain_out: dict[str, str]
) -> None:
    """GIVEN a DomainName with an ACM certificate ARN WHEN deployed THEN GetDomainName returns
    it with that certificate and TLS policy, an execute-api regional name and API Gateway's
    us-east-1 zone id; Ref is the name and the GetAtts return that target."""
    assert domain_out["DomainRef"] == templates.CUSTOM_DOMAIN
    domain = aws("apigatewayv2").get_domain_name(DomainName=templates.CUSTOM_DOMAIN)
    (configuration,) = domain["DomainNameConfigurations"]
    assert configuration["CertificateArn"] == templates.CERTIFICATE_ARN
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    assert configuration["EndpointType"] == "REGIONAL"
    assert configuration["ApiGatewayDomainName"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert domain_out["RegionalDomainName"] == configuration["ApiGatewayDomainName"]
    assert domain_out["RegionalHostedZoneId"] == configuration["HostedZoneId"] == "Z1UJRXOUMOOFQ8"


def test_api_mapping_maps_the_api_stage_on_the_domain(
    aws: AwsClient, domain_out: dict[str, str]
) -> None:
    """GIVEN an ApiMapping without a key WHEN deployed THEN the domain lists one mapping of the
    API's $default stage, and Ref returns its id."""
    (mapping,) = aws("apigatewayv2").get_api_mappings(DomainName=templates.CUSTOM_DOMAIN)["Items"]
    assert mapping["ApiId"] == domain_out["ApiId"]
    assert mapping["Stage"] == "$default"
    assert mapping["ApiMappingId"] == domain_out["MappingId"]


def test_route53_alias_points_at_the_regional_domain_name(
    aws: AwsClient, domain_out: dict[str, str]
) -> None:
    """GIVEN an A alias record built from the domain's GetAtts WHEN deployed THEN the zone holds
    it with the regional name and zone id as the alias target."""
    records = aws("route53").list_resource_record_sets(HostedZoneId=domain_out["ZoneId"])
    (alias,) = [r for r in records["ResourceRecordSets"] if r["Type"] == "A"]
    assert alias["Name"] == f"{templates.CUSTOM_DOMAIN}."
    assert alias["AliasTarget"]["DNSName"].rstrip(".") == domain_out["RegionalDomainName"]
    assert alias["AliasTarget"]["HostedZoneId"] == domain_out["RegionalHostedZoneId"]


def test_verify_finds_the_domain_and_mapping_and_deleting_the_stack_removes_them() -> None:
    """GIVEN the stack deployed WHEN verify checks it THEN no problem; WHEN the stack is deleted
    THEN the domain name and its mapping are gone. (An emulator of its own: the deletion must
    not take the module's stack from the tests that read it, in whatever order they run.)"""
    with EmulatorProcess(free_port()) as emulator:
        aws = LocalClients(emulator.endpoint_url)
        assert deploy(aws, STACK, templates.DOMAIN) == "CREATE_COMPLETE"
        assert check_deployment(emulator.endpoint_url, [STACK]) == []
        aws("cloudformation").delete_stack(StackName=STACK)
        apigw = aws("apigatewayv2")
        assert apigw.get_domain_names()["Items"] == []
        assert apigw.get_api_mappings(DomainName=templates.CUSTOM_DOMAIN)["Items"] == []
