"""Which modules the mutation run mutates, and which test files judge each one.

Kept apart from the driver so that when modules move (the package-layout issue), only these
paths change. Each target names the product files it mutates and the test files run against
every mutant of them; the test files are listed fastest first, since a run stops at the first
failure (``-x``) and most mutants are killed by the quick unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    files: tuple[str, ...]
    tests: tuple[str, ...]


TARGETS: tuple[Target, ...] = (
    Target(
        "keys",
        ("ninek_graph/keys.py",),
        ("tests/test_key_binding.py", "tests/test_canned_queries.py"),
    ),
    Target(
        "canned",
        ("ninek_graph/canned.py",),
        ("tests/test_key_binding.py", "tests/test_canned_queries.py"),
    ),
    Target(
        "negotiation",
        ("ninek_graph/negotiation.py",),
        ("tests/test_negotiation.py", "tests/test_negotiation_qvalues.py"),
    ),
    Target(
        "reconcile_match",
        ("ninek_graph/reconcile_match.py",),
        ("tests/test_reconcile_threshold.py", "tests/test_reconcile.py"),
    ),
    Target(
        "reconcile_index",
        ("ninek_graph/reconcile_index.py",),
        ("tests/test_reconcile_threshold.py", "tests/test_reconcile.py"),
    ),
    Target(
        "lru",
        ("ninek_graph/lru.py",),
        ("tests/test_response_cache.py", "tests/test_etag_builds.py"),
    ),
    Target(
        "response_cache",
        ("ninek_graph/response_cache.py",),
        ("tests/test_response_cache.py", "tests/test_etag_builds.py"),
    ),
    Target(
        "answers",
        ("ninek_graph/answers.py",),
        ("tests/test_response_cache.py", "tests/test_etag_builds.py"),
    ),
    Target(
        "membership",
        ("ninek_graph/membership.py",),
        (
            "tests/test_graph.py",
            "tests/test_data_truth.py",
            "tests/test_source.py",
            "tests/test_curated_checker.py",
        ),
    ),
    Target(
        "interpret",
        ("ninek_graph/interpret.py",),
        (
            "tests/test_curated_checker.py",
            "tests/test_graph.py",
            "tests/test_data_truth.py",
            "tests/test_source.py",
        ),
    ),
    Target(
        "sparql_guard",
        ("ninek_graph/sparql_guard.py",),
        ("tests/test_guard.py", "tests/test_guard_differential.py", "tests/test_w3c_syntax.py"),
    ),
    Target(
        "workers",
        ("ninek_graph/workers.py",),
        (
            "tests/test_workers.py",
            "tests/test_deadline.py",
            "tests/test_resource_limits.py",
            "tests/test_sandbox.py",
        ),
    ),
    Target(
        "sandbox",
        ("ninek_graph/sandbox.py",),
        (
            "tests/test_sandbox.py",
            "tests/test_resource_limits.py",
            "tests/test_workers.py",
            "tests/test_deadline.py",
        ),
    ),
    Target(
        "build", ("ninek_graph/build.py",), ("tests/test_build_atomicity.py", "tests/test_build.py")
    ),
    Target("shapes", ("shapes/ninek.ttl",), ("tests/test_amount_shape.py", "tests/test_shapes.py")),
)

# The tests written for earlier survivors (fast unit tests): run first against every
# Python mutant.
KILLS = "tests/test_mutation_kills.py"
TARGETS = tuple(
    t if t.name == "shapes" else Target(t.name, t.files, (KILLS, *t.tests)) for t in TARGETS
)

BY_NAME = {target.name: target for target in TARGETS}
