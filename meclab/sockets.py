"""Listening TCP sockets, made one way for every server meclab runs.

Every listener (the ETSI and control API, SOCKS5, the DNS server's TCP side, the toxiproxy API,
application ports, ``meclab listen``) opens its socket here, so that none forgets
``TCP_NODELAY``. Without it Nagle's algorithm holds a response's last small segment until the
client acknowledges the previous one, and clients delay that acknowledgement (40 ms on Linux):
every request on a keep-alive connection then took ~42 ms instead of ~2 ms.
"""

from __future__ import annotations

import socket

BACKLOG = 2048
"""Pending connections the kernel queues per listener (it caps this at ``somaxconn``)."""


def listen_tcp(host: str, port: int, *, backlog: int = BACKLOG) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0: any free one); OSError if it cannot.

    ``host`` is an IPv4 or IPv6 address, or a name bound as IPv4 (``localhost``), as Go's
    ``net.Listen`` and toxiproxy do. Connections it accepts have ``TCP_NODELAY`` set.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Protocol IPPROTO_TCP rather than 0: asyncio sets TCP_NODELAY on a connection's transport
    # only when the socket says so (asyncio.base_events._set_nodelay), and accepted sockets
    # inherit the listener's protocol. The option on the listener itself covers servers that
    # accept without asyncio's transports: Linux copies it into every accepted socket.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock
