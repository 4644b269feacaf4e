"""The route table of the policy file matches the router exactly, and public routes stay public."""

from approval.main import create_app
from jiceng_shared.policy import PUBLIC, load_policy


def test_every_route_is_in_the_policy_table_and_every_entry_is_a_route():
    paths = create_app().openapi()["paths"]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    policy = {(r.method, r.path) for r in load_policy().routes if r.service == "approval"}
    assert served == policy


def test_only_the_public_routes_are_anonymous():
    public = {(r.method, r.path) for r in load_policy().routes if r.service == "approval" and r.permission == PUBLIC}
    assert public == {
        ("GET", "/api/approval/v1/public/guides"),
        ("GET", "/api/approval/v1/public/guides/{code}"),
        ("POST", "/api/approval/v1/public/applications/lookup"),
        ("POST", "/api/approval/v1/public/ratings"),
    }


def test_the_back_office_and_the_catalogue_are_closed_to_the_window():
    policy = load_policy()
    assert policy.roles_with("approval.application.decide") == {"approval_officer"}
    assert policy.roles_with("approval.catalogue.manage") == {"county_admin"}
    assert policy.roles_with("approval.extension.approve") == {"township_leader"}
