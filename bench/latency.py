#!/usr/bin/env python3
"""A TCP proxy on loopback that delays each direction by half a round trip, like a registry
across a real network: bench/run uses it to measure what round trips cost. A new connection
also waits one round trip before any byte moves (the TCP handshake).

    latency.py UPSTREAM_PORT RTT_MS    # prints the port it listens on, then serves until killed
"""
import asyncio
import sys
import time

UPSTREAM = int(sys.argv[1])
RTT = float(sys.argv[2]) / 1000.0
ONE_WAY = RTT / 2
PIECE = 64 * 1024


async def pipe(reader, writer):
    """Forwards what `reader` gives to `writer`, each piece ONE_WAY after it arrived."""
    queue = asyncio.Queue()

    async def receive():
        try:
            while True:
                data = await reader.read(PIECE)
                await queue.put((time.monotonic() + ONE_WAY, data))
                if not data:
                    break
        except (ConnectionError, asyncio.CancelledError):
            await queue.put((time.monotonic(), b""))

    receiving = asyncio.ensure_future(receive())
    try:
        while True:
            due, data = await queue.get()
            ahead = due - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        receiving.cancel()
        writer.close()


async def serve(client_reader, client_writer):
    await asyncio.sleep(RTT)  # the handshake
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", UPSTREAM)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
