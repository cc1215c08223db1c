"""`make bench`: ratios measured side by side on this machine, written to BENCHMARKS.md.

Run with `python -m bench` (see bench/__main__.py); nothing here is imported by the app, the
local run or the tests, and no test asserts on a timing.
"""
