"""A local run with a custom domain: the real `python -m local up -c apiDomain=...` deploys the
domain name and API mapping into the emulator and still serves the API on localhost (from the
saved deployed state of this configuration when there is one: tests/local/runs.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from local.runtime.client import local_client
from tests.local.runs import SavedStates
from tests.stacks.configurations import CERTIFICATE_ARN

pytestmark = pytest.mark.local
DOMAIN = "api.example.com"


def test_local_run_with_a_custom_domain_deploys_it_and_serves_on_localhost(
    tmp_path: Path, saved_states: SavedStates
) -> None:
    """GIVEN -c apiDomain + certificateArn WHEN `local up` starts THEN the emulator holds the
    domain name with that certificate, mapped to the deployed API's $default stage; the
    ApiStack outputs name the custom URL; and the API answers on localhost (401 without a
    token), then stops cleanly on Ctrl-C."""
    run = saved_states.start((f"apiDomain={DOMAIN}", f"certificateArn={CERTIFICATE_ARN}"), tmp_path)
    try:
        unauthorized = httpx.get(f"{run.base_url}/user/profile", timeout=30)
        assert (unauthorized.status_code, unauthorized.json()) == (
            401,
            {"message": "Unauthorized"},
        )
        apigw = local_client("apigatewayv2", run.endpoint_url)  # the run's credentials
        domain = apigw.get_domain_name(DomainName=DOMAIN)
        assert domain["DomainNameConfigurations"][0]["CertificateArn"] == CERTIFICATE_ARN
        (mapping,) = apigw.get_api_mappings(DomainName=DOMAIN)["Items"]
        (api,) = apigw.get_apis()["Items"]
        assert (mapping["ApiId"], mapping["Stage"]) == (api["ApiId"], "$default")
        stack = local_client("cloudformation", run.endpoint_url).describe_stacks(
            StackName="JwtProfileApiDev"
        )["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert outputs["ApiUrl"] == f"https://{DOMAIN}/"
        assert (
            outputs["ExecuteApiUrl"]
            == f"https://{api['ApiId']}.execute-api.us-east-1.amazonaws.com/"
        )
    finally:
        exit_code = run.stop()
    assert exit_code == 0, run.log_text()[-2000:]
