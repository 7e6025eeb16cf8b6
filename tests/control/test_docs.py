"""The API documents: OpenAPI for every API, Swagger UI from local files (no CDN)."""

from __future__ import annotations

import httpx


async def test_swagger_ui_is_served_from_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "/meclab/static/docs/swagger-ui-bundle.js" in page.text
    assert "/meclab/static/docs/swagger-ui.css" in page.text
    assert "cdn" not in page.text.lower()
    script = await client.get("/meclab/static/docs/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert (await client.get("/meclab/static/docs/swagger-ui.css")).status_code == 200


async def test_openapi_lists_every_api(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/meclab/v1/world",
        "/mec_app_support/v1/registrations",
        "/mec_service_mgmt/v1/services",
        "/rni/v2/queries/rab_info",
        "/location/v2/queries/users",
        "/wai/v2/queries/ap/ap_information",
        "/ui/v1/{appInstanceId}/ue_identity_tag_info",
    ):
        assert path in paths, path
    discovery = paths["/mec_service_mgmt/v1/services"]["get"]
    assert {p["name"] for p in discovery["parameters"]} == {
        "ser_instance_id",
        "ser_name",
        "ser_category_id",
        "scope_of_locality",
        "consumed_local_only",
        "is_local",
    }
