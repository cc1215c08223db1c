"""The emulator's server side: everything the moto process loads (`python -m
local.emulator.server`): the add-on (CloudFormation models and patches, Lambda's code
download, the Cognito pool's additions in `cognito/`, its pre token trigger run in a function
worker), the front door (SigV4, AWS's error shapes), kept state. Nothing here imports the
caller side (local.emulator.caller) or aws_cdk.
"""
