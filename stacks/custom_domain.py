"""The API under its own host name: API Gateway domain name, API mapping, optional DNS alias.

The certificate is referenced by ARN only (ACM, regional, in the API's region): issuing and
validating it is DNS work the owner of the domain does once, outside this app.
"""

from __future__ import annotations

from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

from stacks.config import CustomDomainConfig


class CustomDomain(Construct):
    """Maps the whole API (no base path) on `config.domain_name`; `url` is its https URL."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: CustomDomainConfig,
        http_api: apigw.IHttpApi,
        stage: apigw.IHttpStage,
    ) -> None:
        super().__init__(scope, construct_id)
        certificate = acm.Certificate.from_certificate_arn(
            self, "Certificate", config.certificate_arn
        )
        self.domain_name = apigw.DomainName(
            self,
            "DomainName",
            domain_name=config.domain_name,
            certificate=certificate,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        apigw.ApiMapping(self, "Mapping", api=http_api, domain_name=self.domain_name, stage=stage)
        self.url = config.url
        if config.hosted_zone_id is not None and config.hosted_zone_name is not None:
            # Imported here: Route 53 is only loaded into synth when a zone is configured.
            from aws_cdk import aws_route53 as route53
            from aws_cdk import aws_route53_targets as targets

            zone = route53.HostedZone.from_hosted_zone_attributes(
                self,
                "Zone",
                hosted_zone_id=config.hosted_zone_id,
                zone_name=config.hosted_zone_name,
            )
            route53.ARecord(
                self,
                "Alias",
                zone=zone,
                record_name=config.domain_name,
                target=route53.RecordTarget.from_alias(
                    targets.ApiGatewayv2DomainProperties(
                        self.domain_name.regional_domain_name,
                        self.domain_name.regional_hosted_zone_id,
                    )
                ),
            )
