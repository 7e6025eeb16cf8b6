"""The SOCKS5 entry point: curl, a Python client, identities, refusals, the responder."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path

import pytest
from helpers import until

from meclab.dataplane.socks5 import (
    Handshake,
    Method,
    ProtocolError,
    Reply,
    encode_address,
    parse_address,
)

from .conftest import (
    NOWHERE,
    Env,
    SocksRefused,
    close,
    dp_document,
    socks_connect,
    socks_handshake,
    start_env,
    stop_env,
)

CURL = shutil.which("curl")


async def curl(*args: str) -> tuple[int, str, str]:
    assert CURL is not None
    proc = await asyncio.create_subprocess_exec(
        CURL, "-sS", "--max-time", "5", *args, stdout=-1, stderr=-1
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_curl_through_socks5h_reaches_the_responder_as_the_ue(env: Env) -> None:
    host, port = env.socks
    code, out, err = await curl("-x", f"socks5h://ue-1@{host}:{port}", "http://edge.example/x?y")
    assert code == 0, err
    body = json.loads(out)
    assert body["app"] == "edge-a" and body["ue"] == "ue-1" and body["node"] == "mec-a"
    assert body["target"] == "/x?y" and body["poa"] == "cell-a"
    assert body["path"] == ["ue-1", "cell-a", "zone-a", "mec-a", "edge-a"]


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_curl_with_an_unknown_ue_is_rejected(env: Env) -> None:
    host, port = env.socks
    code, _, err = await curl("-x", f"socks5h://nobody@{host}:{port}", "http://edge-a/")
    assert code != 0
    assert "reject" in err.lower() or "auth" in err.lower() or "socks" in err.lower()


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_curl_bound_to_a_ue_alias_needs_no_username(env: Env) -> None:
    host, port = env.socks
    code, out, err = await curl(
        "--interface", "127.64.0.2", "-x", f"socks5h://{host}:{port}", "http://edge.example/"
    )
    assert code == 0, err
    assert json.loads(out)["ue"] == "ue-2" and json.loads(out)["app"] == "edge-b"


async def test_python_client_http_keep_alive_and_an_app_name(env: Env) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-app.meclab.local", 80)
    for i in range(2):
        writer.write(f"GET /{i} HTTP/1.1\r\nHost: cloud-app\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
        assert head.startswith(b"HTTP/1.1 200 OK")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        body = json.loads(await reader.readexactly(length))
        assert body["target"] == f"/{i}" and body["app"] == "cloud-app"
        assert body["node_kind"] == "cloud"
    await close(writer)


async def test_a_ue_is_also_named_by_its_scenario_address(env: Env) -> None:
    identity = env.plane.switch.identify("10.0.0.1")  # type: ignore[union-attr]
    assert identity == ("ue-1", "ue-1")
    assert env.plane.switch.identify("acr:10.0.0.2") == ("ue-2", "ue-2")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("user", "host", "port", "code"),
    [
        (None, "edge-a", 80, Reply.NOT_ALLOWED),  # no username, not from a UE alias
        ("ue-1", "no-such-app.example", 80, Reply.HOST_UNREACHABLE),
        ("ue-1", "203.0.113.99", 80, Reply.HOST_UNREACHABLE),  # nobody owns it
    ],
)
async def test_refusals_carry_rfc_1928_codes(
    env: Env, user: str | None, host: str, port: int, code: Reply
) -> None:
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(env.socks, user, host, port)
    assert refused.value.code == code


OUT_OF_COVERAGE_LOG = (
    "SOCKS5 ue-1 -> edge-a:80 refused with reply 3 (network unreachable): ue-1 is out of coverage"
)
"""What meclab logs when ue-1, out of coverage, asks for edge-a (the only word the user gets)."""


def _dataplane_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "meclab.dataplane"]


async def test_out_of_coverage_ue_gets_network_unreachable(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="meclab.dataplane")
    await env.move("ue-1", NOWHERE)
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(env.socks, "ue-1", "edge-a", 80)
    assert refused.value.code == Reply.NETWORK_UNREACHABLE
    assert OUT_OF_COVERAGE_LOG in _dataplane_lines(caplog)


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_curl_out_of_coverage_exits_97_and_meclab_says_why(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="meclab.dataplane")
    await env.move("ue-1", NOWHERE)
    host, port = env.socks
    code, _, err = await curl("-x", f"socks5h://ue-1@{host}:{port}", "http://edge-a/")
    assert code == 97, err  # CURLE_PROXY: curl only shows the SOCKS5 reply code
    assert "(3)" in err
    assert OUT_OF_COVERAGE_LOG in _dataplane_lines(caplog)


async def test_udp_out_of_coverage_names_the_ue_in_the_log(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="meclab.dataplane")
    await env.move("ue-1", NOWHERE)
    _, writer, relay = await socks_handshake(env.socks, "ue-1", 3, "0.0.0.0", 0)
    loop = asyncio.get_running_loop()
    udp, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=relay)
    name = b"cloud-echo"
    udp.sendto(b"\x00\x00\x00\x03" + bytes([len(name)]) + name + b"\x00\x07" + b"ping")
    expected = "SOCKS5 UDP ue-1 -> cloud-echo:7 dropped: ue-1 is out of coverage"
    await until(lambda: expected in _dataplane_lines(caplog), "the UDP refusal's log line")
    udp.close()
    await close(writer)


async def test_bind_is_not_supported(env: Env) -> None:
    with pytest.raises(SocksRefused) as refused:
        await socks_handshake(env.socks, "ue-1", 2, "edge-a", 80)
    assert refused.value.code == Reply.COMMAND_NOT_SUPPORTED


async def test_an_app_with_a_dead_endpoint_is_connection_refused(env: Env, echo: object) -> None:
    app = env.plane.switch.apps.by_name["cloud-echo"]  # type: ignore[union-attr]
    object.__setattr__(app, "endpoint", ("127.0.0.1", 1))  # nothing listens on port 1
    with pytest.raises(SocksRefused) as refused:
        await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    assert refused.value.code == Reply.CONNECTION_REFUSED
    assert env.plane.registry.closed[-1].closed_reason == "upstream_failed"


# --- the parser on its own --------------------------------------------------------------------


def test_handshake_parses_byte_by_byte() -> None:
    wire = (
        b"\x05\x02\x00\x02"
        + b"\x01\x04ue-1\x00"
        + b"\x05\x01\x00"
        + encode_address("edge.example", 8080)
        + b"early"
    )
    parser = Handshake()
    events = []
    for i in range(len(wire)):
        got = parser.feed(wire[i : i + 1])
        for event in got:
            if type(event).__name__ == "Greeting":
                parser.choose(Method.USERNAME_PASSWORD)
        events += got
    names = [type(e).__name__ for e in events]
    assert names == ["Greeting", "Credentials", "Request"]
    assert events[1].username == "ue-1"  # type: ignore[union-attr]
    request = events[2]
    assert (request.host, request.port, request.command) == ("edge.example", 8080, 1)  # type: ignore[union-attr]
    assert parser.rest == b"early"


def test_addresses_round_trip() -> None:
    for host in ("10.1.0.10", "2001:db8::1", "edge.example"):
        encoded = encode_address(host, 443)
        assert parse_address(b"..." + encoded, 3) == (encoded[0], host, 443, 3 + len(encoded))
    assert parse_address(b"\x01\x0a\x00", 0) is None  # truncated


def test_a_pipelined_handshake_waits_for_the_method_choice() -> None:
    parser = Handshake()
    wire = b"\x05\x01\x02" + b"\x01\x04ue-1\x00" + b"\x05\x01\x00" + encode_address("a", 1)
    assert [type(e).__name__ for e in parser.feed(wire)] == ["Greeting"]
    parser.choose(Method.USERNAME_PASSWORD)
    assert [type(e).__name__ for e in parser.feed(b"")] == ["Credentials", "Request"]


def test_wrong_versions_are_protocol_errors() -> None:
    with pytest.raises(ProtocolError):
        Handshake().feed(b"\x04\x01\x00")
    with pytest.raises(ProtocolError):
        parse_address(b"\x07abc", 0)


async def test_a_server_that_speaks_first_is_heard_after_the_reply(
    tmp_path: Path, echo: tuple[str, int]
) -> None:
    async def banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hello\r\n")
        await writer.drain()
        writer.write(await reader.readexactly(4))
        writer.close()

    server = await asyncio.start_server(banner, "127.0.0.1", 0)
    doc = dp_document(echo)
    doc["clouds"][0]["apps"].append(
        {"name": "smtp", "endpoint": f"127.0.0.1:{server.sockets[0].getsockname()[1]}"}
    )
    env = await start_env(tmp_path, doc)
    try:
        reader, writer = await socks_connect(env.socks, "ue-1", "smtp", 25)
        assert await asyncio.wait_for(reader.readexactly(11), 2) == b"220 hello\r\n"
        writer.write(b"QUIT")
        assert await asyncio.wait_for(reader.readexactly(4), 2) == b"QUIT"
        await close(writer)
    finally:
        await stop_env(env)
        server.close()
