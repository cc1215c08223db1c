"""What an operator gets: the stage key (prod), alarms + dashboard + topic, the custom domain.

Prod: one customer-managed key with rotation encrypts the table and every log group; the
functions may use it only through DynamoDB; alarms are on. Dev: no key and no alarms unless
asked. The `extras` configuration (alarms with an e-mail, custom domain with a Route 53 alias)
shows the optional parts.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks.configurations import API_DOMAIN, CERTIFICATE_ARN, EXTRAS
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import only_resource, resources_of_type

ISSUERS = ("cognito", "auth0", "okta", "jwt")


def _api(every: dict[str, Synthesized], name: str) -> dict[str, Any]:
    return every[name].api_json


def _key_id(template: dict[str, Any]) -> str:
    (key_id,) = resources_of_type(template, "AWS::KMS::Key")
    return key_id


def _function_names(template: dict[str, Any]) -> set[str]:
    """Construct ids of the functions (logical id minus CDK's 8-character hash)."""
    return {logical_id[:-8] for logical_id in resources_of_type(template, "AWS::Lambda::Function")}


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, "AWS::CloudWatch::Alarm")


@pytest.mark.parametrize("issuer", ISSUERS)
def test_prod_encrypts_table_and_every_log_group_with_its_own_rotating_key(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN one KMS key with rotation, retained like the
    data it protects, encrypts the table and all three log groups."""
    api = _api(every_issuer_and_stage, f"{issuer}-prod")
    key_id = _key_id(api)
    key = api["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    sse = only_resource(api, "AWS::DynamoDB::Table")["Properties"]["SSESpecification"]
    assert sse == {
        "KMSMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]},
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    groups = list(resources_of_type(api, "AWS::Logs::LogGroup").values())
    assert len(groups) == 1 + len(_function_names(api))  # access logs + one per function
    assert [g["Properties"]["KmsKeyId"] for g in groups] == [{"Fn::GetAtt": [key_id, "Arn"]}] * len(
        groups
    )


def test_prod_key_policy_lets_logs_use_it_only_for_this_accounts_log_groups(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN the prod key WHEN its policy is read THEN CloudWatch Logs of this region may use
    it only with an encryption context naming a log group of this account and region, and
    CloudWatch may only decrypt and make data keys (alarm notifications)."""
    api = _api(every_issuer_and_stage, "cognito-prod")
    statements = api["Resources"][_key_id(api)]["Properties"]["KeyPolicy"]["Statement"]
    by_sid = {s.get("Sid"): s for s in statements}
    logs = by_sid["CloudWatchLogsOfThisAccount"]
    assert logs["Principal"] == {
        "Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
    }
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context["Fn::Join"][1][-1] == ":log-group:*"
    assert {"Ref": "AWS::AccountId"} in context["Fn::Join"][1]
    assert not any("Delete" in a or "Put" in a or "Grant" in a for a in logs["Action"])
    alarms = by_sid["CloudWatchAlarmsPublishToTheTopic"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]


@pytest.mark.parametrize("name", ["cognito-prod", "okta-prod"])
def test_prod_functions_use_the_key_only_through_dynamodb_read_or_write_as_needed(
    every_issuer_and_stage: dict[str, Synthesized], name: str
) -> None:
    """GIVEN the prod function policies WHEN their KMS statements are read THEN GET (and the
    admin GetProfileBySub, built with adminScopes) may only decrypt, POST may decrypt,
    encrypt and make a data key, all on the stage key and only via DynamoDB in this region."""
    api = _api(every_issuer_and_stage, name)
    key_arn = {"Fn::GetAtt": [_key_id(api), "Arn"]}
    kms_actions: dict[str, Any] = {}
    for logical_id, policy in resources_of_type(api, "AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            if any(
                a.startswith("kms:") for a in ([actions] if isinstance(actions, str) else actions)
            ):
                assert statement["Resource"] == key_arn
                via = statement["Condition"]["StringEquals"]["kms:ViaService"]
                assert via == {
                    "Fn::Join": ["", ["dynamodb.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]
                }
                kms_actions[logical_id.split("Role")[0]] = actions
    expected = {
        "GetProfileInfo": "kms:Decrypt",
        "CreateProfileInfo": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    }
    if "GetProfileBySub" in _function_names(api):
        expected["GetProfileBySub"] = "kms:Decrypt"
    assert kms_actions == expected
    assert set(expected) == _function_names(api)


@pytest.mark.parametrize("issuer", ISSUERS)
def test_dev_has_no_key_and_no_alarms_by_default(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=dev without alarms WHEN synthesized THEN no key (no monthly fee), no alarm,
    no topic, no dashboard."""
    api = _api(every_issuer_and_stage, f"{issuer}-dev")
    for resource_type in (
        "AWS::KMS::Key",
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::Topic",
        "AWS::CloudWatch::Dashboard",
    ):
        assert resources_of_type(api, resource_type) == {}, resource_type


@pytest.mark.parametrize("issuer", ISSUERS)
def test_prod_alarms_cover_api_functions_and_table_and_tolerate_missing_data(
    every_issuer_and_stage: dict[str, Synthesized], issuer: str
) -> None:
    """GIVEN stage=prod WHEN synthesized THEN alarms on the API's 5xx rate and p99 latency, each
    function's errors and throttles (GetProfileBySub too where adminScopes build it), the
    table's throttles and system errors; none breaches on missing data; each notifies the
    topic on ALARM and OK."""
    api = _api(every_issuer_and_stage, f"{issuer}-prod")
    alarms = _alarms(api)
    names = {logical_id.removeprefix("Monitoring")[:-8] for logical_id in alarms}
    assert names == {
        "Api5xxRate",
        "ApiLatencyP99",
        *(f"{f}{kind}" for f in _function_names(api) for kind in ("Errors", "Throttles")),
        "TableThrottledRequests",
        "TableSystemErrors",
    }
    (topic_id,) = resources_of_type(api, "AWS::SNS::Topic")
    for alarm in alarms.values():
        properties = alarm["Properties"]
        assert properties["TreatMissingData"] == "notBreaching"
        assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": topic_id}]
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_api_error_rate_alarm_ignores_quiet_periods_and_latency_alarm_reads_p99(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN the prod API alarms WHEN read THEN the 5xx rate is 5xx/Count in percent of the
    $default stage, counted only from 10 requests per period; latency is the stage's p99."""
    alarms = _alarms(_api(every_issuer_and_stage, "cognito-prod"))
    rate = next(a for k, a in alarms.items() if "Api5xxRate" in k)["Properties"]
    (expression, *metrics) = rate["Metrics"]
    assert expression["Expression"] == "IF(requests >= 10, 100 * errors / requests, 0)"
    names = {m["Id"]: m["MetricStat"]["Metric"]["MetricName"] for m in metrics}
    assert names == {"requests": "Count", "errors": "5xx"}
    assert rate["Threshold"] == 5
    latency = next(a for k, a in alarms.items() if "ApiLatencyP99" in k)["Properties"]
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("Latency", "p99")
    assert {"Name": "Stage", "Value": "$default"} in latency["Dimensions"]


def test_alarm_topic_is_encrypted_ssl_only_and_mails_the_configured_address(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN alarms with alarmEmail (extras, dev) WHEN synthesized THEN the topic uses the stage
    key, refuses publishing over plain HTTP, and has exactly one e-mail subscription; without
    alarmEmail (prod default) it has none."""
    api = _api(every_issuer_and_stage, "extras-dev")
    topic = only_resource(api, "AWS::SNS::Topic")["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [_key_id(api), "Arn"]}
    (statement,) = only_resource(api, "AWS::SNS::TopicPolicy")["Properties"]["PolicyDocument"][
        "Statement"
    ]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    subscription = only_resource(api, "AWS::SNS::Subscription")["Properties"]
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", EXTRAS["alarmEmail"])
    prod = _api(every_issuer_and_stage, "cognito-prod")
    assert resources_of_type(prod, "AWS::SNS::Subscription") == {}


def test_dev_with_alarms_gets_a_key_for_the_topic_only(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN stage=dev with alarms WHEN synthesized THEN the key exists for the topic, deletes
    with the stack, and does not encrypt the dev table or logs (no Logs statement)."""
    api = _api(every_issuer_and_stage, "extras-dev")
    key = api["Resources"][_key_id(api)]
    assert key["DeletionPolicy"] == "Delete"
    assert key["Properties"]["PendingWindowInDays"] == 7
    sids = {s.get("Sid") for s in key["Properties"]["KeyPolicy"]["Statement"]}
    assert "CloudWatchLogsOfThisAccount" not in sids
    assert "SSESpecification" not in only_resource(api, "AWS::DynamoDB::Table")["Properties"]


def test_dashboard_graphs_every_alarmed_metric(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN the prod dashboard WHEN its body is read THEN it has an alarm-status widget and one
    graph per alarm, titled like the alarm."""
    api = _api(every_issuer_and_stage, "cognito-prod")
    body = only_resource(api, "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]
    text = "".join(part for part in body["Fn::Join"][1] if isinstance(part, str))
    for logical_id in _alarms(api):
        assert f'"title":"{logical_id.removeprefix("Monitoring")[:-8]}"' in text
    assert '"title":"Alarms"' in text


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_custom_domain_maps_the_api_and_aliases_it_in_route53(
    every_issuer_and_stage: dict[str, Synthesized], stage: str
) -> None:
    """GIVEN apiDomain + certificateArn + hosted zone WHEN synthesized THEN a regional TLS 1.2
    domain name with that certificate, an API mapping of the $default stage (no base path),
    and an A alias to the domain's regional name in the zone."""
    api = _api(every_issuer_and_stage, f"extras-{stage}")
    (domain_id,) = resources_of_type(api, "AWS::ApiGatewayV2::DomainName")
    domain = api["Resources"][domain_id]["Properties"]
    assert domain["DomainName"] == API_DOMAIN
    assert domain["DomainNameConfigurations"] == [
        {"CertificateArn": CERTIFICATE_ARN, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}
    ]
    mapping = only_resource(api, "AWS::ApiGatewayV2::ApiMapping")["Properties"]
    (api_id,) = resources_of_type(api, "AWS::ApiGatewayV2::Api")
    assert mapping == {
        "ApiId": {"Ref": api_id},
        "DomainName": {"Ref": domain_id},
        "Stage": "$default",
    }
    record = only_resource(api, "AWS::Route53::RecordSet")["Properties"]
    assert (record["Name"], record["Type"]) == (f"{API_DOMAIN}.", "A")
    assert record["HostedZoneId"] == EXTRAS["hostedZoneId"]
    assert record["AliasTarget"] == {
        "DNSName": {"Fn::GetAtt": [domain_id, "RegionalDomainName"]},
        "HostedZoneId": {"Fn::GetAtt": [domain_id, "RegionalHostedZoneId"]},
    }


def test_custom_domain_outputs_show_the_custom_url_and_keep_the_execute_api_one(
    every_issuer_and_stage: dict[str, Synthesized],
) -> None:
    """GIVEN a custom domain WHEN the outputs are read THEN the endpoints and ApiUrl use it, and
    ExecuteApiUrl still names the default endpoint; without one, no domain resources at all."""
    outputs = _api(every_issuer_and_stage, "extras-prod")["Outputs"]
    assert outputs["GetEndpoint"]["Value"] == f"GET - https://{API_DOMAIN}/user/profile"
    assert outputs["PostEndpoint"]["Value"] == f"POST - https://{API_DOMAIN}/user/profile"
    assert outputs["ApiUrl"]["Value"] == f"https://{API_DOMAIN}/"
    assert ".execute-api." in str(outputs["ExecuteApiUrl"]["Value"])
    assert {"AlarmTopicArn", "DashboardName"} <= set(outputs)
    plain = _api(every_issuer_and_stage, "jwt-prod")
    assert resources_of_type(plain, "AWS::ApiGatewayV2::DomainName") == {}
    assert "ExecuteApiUrl" not in plain["Outputs"]
