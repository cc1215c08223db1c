"""The synth floor: a CDK app with one empty stack, run exactly the way the CLI runs app.py."""

import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Bare")
app.synth()
