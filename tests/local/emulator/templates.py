"""Hand-written CloudFormation templates using every type the emulator add-on provides.

Shaped like what aws-cdk-lib synthesizes for this app: an auth stack that exports the issuer
and client id, and an API stack that imports them with Fn::ImportValue.
"""

from __future__ import annotations

import copy
import json
from typing import Any

ISSUER_EXPORT = "EmuTest-Issuer"
CLIENT_EXPORT = "EmuTest-ClientId"
DOMAIN_PREFIX = "emu-test-prefix"

AUTH: dict[str, Any] = {
    "Resources": {
        "Pool": {
            "Type": "AWS::Cognito::UserPool",
            "Properties": {
                "UserPoolName": "emu-test-pool",
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
                "Schema": [{"Name": "email", "Required": True, "Mutable": True}],
                "Policies": {
                    "PasswordPolicy": {
                        "MinimumLength": 8,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": False,
                        "RequireUppercase": True,
                    }
                },
            },
        },
        "Client": {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "UserPoolId": {"Ref": "Pool"},
                "ClientName": "web",
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "AllowedOAuthFlows": ["code"],
                "AllowedOAuthScopes": ["openid", "email"],
                "AllowedOAuthFlowsUserPoolClient": True,
                "CallbackURLs": ["https://localhost:3000"],
                "SupportedIdentityProviders": ["COGNITO"],
            },
        },
        "Domain": {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {"UserPoolId": {"Ref": "Pool"}, "Domain": DOMAIN_PREFIX},
        },
    },
    "Outputs": {
        "Issuer": {
            "Value": {"Fn::GetAtt": ["Pool", "ProviderURL"]},
            "Export": {"Name": ISSUER_EXPORT},
        },
        "ClientId": {"Value": {"Ref": "Client"}, "Export": {"Name": CLIENT_EXPORT}},
        "ClientIdAttr": {"Value": {"Fn::GetAtt": ["Client", "ClientId"]}},
        "PoolId": {"Value": {"Ref": "Pool"}},
        "PoolIdAttr": {"Value": {"Fn::GetAtt": ["Pool", "UserPoolId"]}},
        "PoolArn": {"Value": {"Fn::GetAtt": ["Pool", "Arn"]}},
        "ProviderName": {"Value": {"Fn::GetAtt": ["Pool", "ProviderName"]}},
        "DomainRef": {"Value": {"Ref": "Domain"}},
    },
}

_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

API: dict[str, Any] = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": _LAMBDA_TRUST},
        },
        "Handler": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
            },
        },
        "Api": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": "emu-test-api", "ProtocolType": "HTTP"},
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True},
        },
        "Authorizer": {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "AuthorizerType": "JWT",
                "Name": "jwt",
                "IdentitySource": ["$request.header.Authorization"],
                "JwtConfiguration": {
                    "Audience": [{"Fn::ImportValue": CLIENT_EXPORT}],
                    "Issuer": {"Fn::ImportValue": ISSUER_EXPORT},
                },
            },
        },
        "Integration": {
            "Type": "AWS::ApiGatewayV2::Integration",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": {"Fn::GetAtt": ["Handler", "Arn"]},
                "PayloadFormatVersion": "2.0",
            },
        },
        "GetRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": "GET /user/profile",
                "AuthorizationType": "JWT",
                "AuthorizerId": {"Ref": "Authorizer"},
                "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integration"}]]},
            },
        },
        "PostRoute": {
            "Type": "AWS::ApiGatewayV2::Route",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "RouteKey": "POST /user/profile",
                "AuthorizationType": "JWT",
                "AuthorizerId": {"Ref": "Authorizer"},
                "AuthorizationScopes": ["profile/write"],
                "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integration"}]]},
            },
        },
    },
    "Outputs": {
        "ApiEndpoint": {"Value": {"Fn::GetAtt": ["Api", "ApiEndpoint"]}},
        "ApiIdAttr": {"Value": {"Fn::GetAtt": ["Api", "ApiId"]}},
        "ApiId": {"Value": {"Ref": "Api"}},
        "StageName": {"Value": {"Ref": "Stage"}},
        "AuthorizerId": {"Value": {"Ref": "Authorizer"}},
        "IntegrationId": {"Value": {"Ref": "Integration"}},
        "GetRouteId": {"Value": {"Ref": "GetRoute"}},
        "FunctionArn": {"Value": {"Fn::GetAtt": ["Handler", "Arn"]}},
        "ImportedIssuer": {"Value": {"Fn::ImportValue": ISSUER_EXPORT}},
    },
}


CUSTOM_DOMAIN = "api.emu-test.example.com"
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)

# An API under a custom domain, shaped like stacks/custom_domain.py's output, plus the hosted
# zone it is aliased in (the app imports an existing zone; locally it has to be created).
DOMAIN: dict[str, Any] = {
    "Resources": {
        "Api": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": "emu-domain-api", "ProtocolType": "HTTP"},
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True},
        },
        "DomainName": {
            "Type": "AWS::ApiGatewayV2::DomainName",
            "Properties": {
                "DomainName": CUSTOM_DOMAIN,
                "DomainNameConfigurations": [
                    {
                        "CertificateArn": CERTIFICATE_ARN,
                        "EndpointType": "REGIONAL",
                        "SecurityPolicy": "TLS_1_2",
                    }
                ],
            },
        },
        "Mapping": {
            "Type": "AWS::ApiGatewayV2::ApiMapping",
            "Properties": {
                "ApiId": {"Ref": "Api"},
                "DomainName": {"Ref": "DomainName"},
                "Stage": "$default",
            },
            "DependsOn": ["Stage"],
        },
        "Zone": {
            "Type": "AWS::Route53::HostedZone",
            "Properties": {"Name": "emu-test.example.com"},
        },
        "Alias": {
            "Type": "AWS::Route53::RecordSet",
            "Properties": {
                "HostedZoneId": {"Ref": "Zone"},
                "Name": f"{CUSTOM_DOMAIN}.",
                "Type": "A",
                "AliasTarget": {
                    "DNSName": {"Fn::GetAtt": ["DomainName", "RegionalDomainName"]},
                    "HostedZoneId": {"Fn::GetAtt": ["DomainName", "RegionalHostedZoneId"]},
                },
            },
        },
    },
    "Outputs": {
        "ApiId": {"Value": {"Ref": "Api"}},
        "DomainRef": {"Value": {"Ref": "DomainName"}},
        "RegionalDomainName": {"Value": {"Fn::GetAtt": ["DomainName", "RegionalDomainName"]}},
        "RegionalHostedZoneId": {"Value": {"Fn::GetAtt": ["DomainName", "RegionalHostedZoneId"]}},
        "MappingId": {"Value": {"Ref": "Mapping"}},
        "ZoneId": {"Value": {"Ref": "Zone"}},
    },
}


def body(template: dict[str, Any]) -> str:
    return json.dumps(template)


def with_route_key(template: dict[str, Any], logical_id: str, route_key: str) -> dict[str, Any]:
    """A copy of the template with one route's key changed (an in-place update)."""
    changed = copy.deepcopy(template)
    changed["Resources"][logical_id]["Properties"]["RouteKey"] = route_key
    return changed


def standalone_auth(pool_name: str, domain_prefix: str) -> dict[str, Any]:
    """The auth template with its own names and no exports (so it can live beside AUTH)."""
    template = copy.deepcopy(AUTH)
    template["Resources"]["Pool"]["Properties"]["UserPoolName"] = pool_name
    template["Resources"]["Domain"]["Properties"]["Domain"] = domain_prefix
    for output in template["Outputs"].values():
        output.pop("Export", None)
    return template
