"""hello-edge: the smallest deployable edge application.

Once meclab instantiates it on a MEC host, it confirms ready (MEC 011), offers the service
``hello-edge`` and answers ``GET /hello`` on its ``MEC_APP_ENDPOINT``.
"""

import os

from aiohttp import web

from meclab.sdk.app import EdgeApp

app = EdgeApp()
app.offer("hello-edge", "/hello")


@app.get("/hello")
async def hello(request: web.Request) -> web.Response:
    greeting = os.environ.get("GREETING", "hello")
    return web.json_response(
        {greeting: request.query.get("name", "world"), "from": app.app_instance_id}
    )


@app.on_start
async def announce(app: EdgeApp) -> None:
    print(f"hello-edge {app.app_instance_id} ready", flush=True)  # what `meclab app logs` shows


if __name__ == "__main__":
    app.run()
