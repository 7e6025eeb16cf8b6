"""A first edge app: registers on its MEC platform, offers a service, follows cell changes.

Run it beside ``meclab up examples/first_world.yaml``, from this directory::

    meclab run first_app:app --host mec-town

then, as the terminal ``walker``, through meclab's data plane::

    curl --proxy socks5h://walker@127.0.0.1:1080 http://my-app/hello
"""

from aiohttp import web

from meclab.sdk.app import EdgeApp
from meclab.sdk.clients.rnis import RnisClient
from meclab.sdk.notifications import Api
from meclab.services.rnis.models import (
    CellChangeNotification,
    CellChangeSubscription,
    FilterCriteriaAssocHo,
)

app = EdgeApp()  # its platform and appInstanceId come from the environment
app.offer("greeter", "/hello")  # registered with MEC 011 once the app is ready
handovers: list[str] = []


@app.get("/hello")
async def hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": "from the edge", "handovers_seen": handovers})


def cell_changed(note: object) -> None:
    if isinstance(note, CellChangeNotification):
        handovers.append(f"{note.srcEcgi.cellId} -> {note.trgEcgi[0].cellId}")
        print("cell change:", handovers[-1], flush=True)


@app.on_start
async def follow_cell_changes(app: EdgeApp) -> None:
    subscription = CellChangeSubscription(
        subscriptionType="CellChangeSubscription",
        callbackReference=app.notifications.callback_url(Api.RNIS, cell_changed),
        filterCriteriaAssocHo=FilterCriteriaAssocHo(),  # every UE this host's cells serve
    )
    created = await RnisClient(app.http).subscribe(subscription)
    app.unsubscribe_on_exit(created.location)


if __name__ == "__main__":
    app.run()
