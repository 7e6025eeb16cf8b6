"""No route of any ETSI API answers 422 for a body that lacks its required members.

FastAPI's own answer to a validation failure is 422; meclab answers every one with a 400 problem
naming the fields (meclab/http/problem.py), and a body's missing members are such a failure in
every API. 422 stays for what the MEC files give it: a well-formed request the service cannot
act on (a subscription type it does not offer, say).
"""

from __future__ import annotations

import httpx
from helpers import problem, serve

from meclab.app import SYSTEM_APIS
from meclab.runtime import Runtime


async def test_every_post_of_an_empty_object_is_a_400_naming_fields(runtime: Runtime) -> None:
    async with serve(runtime) as (app, client):
        edge_app = app.state.platforms.app_named("edge-app").app_instance_id
        posts = [
            path.replace("{appInstanceId}", edge_app)
            for path, operations in app.openapi()["paths"].items()
            if "post" in operations
            and "requestBody" in operations["post"]  # deregister_task, say, takes none
            and not path.startswith("/meclab/")
            # An instance or occurrence of the MEC system's lifecycle exists only once a package
            # is onboarded and instantiated; tests/services/app_lcm checks those bodies.
            and not (path.startswith(SYSTEM_APIS) and "{" in path)
        ]
        assert posts
        answers = {path: await client.post(path, json={}) for path in posts}
    for path, response in answers.items():
        assert response.status_code == 400, (path, response.text)
        assert problem(response, 400)["invalidParams"], path


async def test_rnis_without_subscription_type(client: httpx.AsyncClient) -> None:
    body = problem(await client.post("/rni/v2/subscriptions", json={"callbackReference": "x"}), 400)
    assert [p["name"] for p in body["invalidParams"]] == ["subscriptionType"]
