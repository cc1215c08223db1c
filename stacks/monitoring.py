"""Alarms and one dashboard for a stage: what an operator watches, and where alarms are sent.

Plain CDK (aws_cloudwatch), not a construct library: the handful of alarms here is a few dozen
lines, while cdk-monitoring-constructs 10.3.3 adds a jsii assembly that every prod synth loads:
importing it took 577 ms (median of 5, 2-core box under load) against 47 ms for the plain
aws_sns + aws_cloudwatch_actions modules this uses, before a single construct is built.

Every alarm treats missing data as not breaching: an idle API publishes no datapoints, and
silence is not an incident. Each alarm notifies the SNS topic on ALARM and on OK.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

PERIOD = Duration.minutes(5)
# 5xx rate: percent of requests in a period; periods with fewer requests count as 0 so one
# failed request at night does not page anyone (the function error alarm still sees it).
SERVER_ERROR_RATE_PERCENT = 5
SERVER_ERROR_MIN_REQUESTS = 10
# p99 latency well under the functions' 5 s timeout: slow DynamoDB or cold-start storms.
P99_LATENCY_MS = 2000
TABLE_OPERATIONS = [dynamodb.Operation.GET_ITEM, dynamodb.Operation.PUT_ITEM]


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm: its id (also the dashboard title), metric, threshold and evaluation."""

    name: str
    metric: cloudwatch.IMetric
    threshold: float
    periods: int
    description: str


class Monitoring(Construct):
    """Alarms on the API stage, each function and the table; an encrypted topic; a dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: apigw.HttpStage,
        functions: Sequence[lambda_.Function],
        table: dynamodb.Table,
        key: kms.IKey,
        email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        # enforce_ssl: the topic policy refuses requests over plain HTTP (cdk-nag SNS3).
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name="JWT profile API alarms",
            master_key=key,
            enforce_ssl=True,
        )
        if email is not None:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))

        specs = [*_api_alarms(stage), *_table_alarms(table)]
        for function in functions:
            specs.extend(_function_alarms(function))
        action = cloudwatch_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        for spec in specs:
            alarm = cloudwatch.Alarm(
                self,
                spec.name,
                alarm_description=spec.description,
                metric=spec.metric,
                threshold=spec.threshold,
                evaluation_periods=spec.periods,
                datapoints_to_alarm=spec.periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms.append(alarm)

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard")
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(alarms=self.alarms, title="Alarms", width=24)
        )
        self.dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=spec.name,
                    left=[spec.metric],
                    left_annotations=[
                        cloudwatch.HorizontalAnnotation(value=spec.threshold, label="alarm")
                    ],
                    width=8,
                )
                for spec in specs
            )
        )


def _api_alarms(stage: apigw.HttpStage) -> list[AlarmSpec]:
    requests = stage.metric_count(period=PERIOD, statistic="Sum")
    errors = stage.metric_server_error(period=PERIOD, statistic="Sum")
    rate = cloudwatch.MathExpression(
        expression=f"IF(requests >= {SERVER_ERROR_MIN_REQUESTS}, 100 * errors / requests, 0)",
        using_metrics={"requests": requests, "errors": errors},
        label="5xx rate (%)",
        period=PERIOD,
    )
    latency = stage.metric_latency(period=PERIOD, statistic="p99")
    return [
        AlarmSpec(
            "Api5xxRate",
            rate,
            SERVER_ERROR_RATE_PERCENT,
            2,
            f"At least {SERVER_ERROR_RATE_PERCENT}% of API requests answered 5xx in two "
            "consecutive 5-minute periods.",
        ),
        AlarmSpec(
            "ApiLatencyP99",
            latency,
            P99_LATENCY_MS,
            3,
            f"API p99 latency at or above {P99_LATENCY_MS} ms for 15 minutes.",
        ),
    ]


def _function_alarms(function: lambda_.Function) -> list[AlarmSpec]:
    name = function.node.id
    return [
        AlarmSpec(
            f"{name}Errors",
            function.metric_errors(period=PERIOD, statistic="Sum"),
            1,
            1,
            f"{name} raised an error (answered 500) in the last 5 minutes.",
        ),
        AlarmSpec(
            f"{name}Throttles",
            function.metric_throttles(period=PERIOD, statistic="Sum"),
            1,
            1,
            f"{name} was throttled (concurrency limit) in the last 5 minutes.",
        ),
    ]


def _table_alarms(table: dynamodb.Table) -> list[AlarmSpec]:
    return [
        AlarmSpec(
            "TableThrottledRequests",
            table.metric_throttled_requests_for_operations(
                operations=TABLE_OPERATIONS, period=PERIOD
            ),
            1,
            1,
            "DynamoDB throttled GetItem/PutItem requests on the profile table.",
        ),
        AlarmSpec(
            "TableSystemErrors",
            table.metric_system_errors_for_operations(operations=TABLE_OPERATIONS, period=PERIOD),
            1,
            1,
            "DynamoDB answered GetItem/PutItem on the profile table with a 500 (its own error).",
        ),
    ]
