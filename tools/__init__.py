"""Stage-agnostic tools: they work against any deployed stage, on AWS or the local endpoint.

They read a stage through its stack outputs (`outputs`) and never import the local emulator:
a caller that targets the local run passes its endpoint's clients in.
"""
