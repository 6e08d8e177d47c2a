#!/usr/bin/env python3
"""A TCP proxy on loopback that caps each connection's download speed, like a CDN or registry
that limits every connection: bench/run uses it to measure segmented downloads.

    throttle.py UPSTREAM_PORT MBPS    # prints the port it listens on, then serves until killed
"""
import asyncio
import sys
import time

UPSTREAM = int(sys.argv[1])
RATE = float(sys.argv[2]) * 1024 * 1024  # bytes per second, per connection
PIECE = 64 * 1024


async def pipe(reader, writer, rate=None):
    start, sent = time.monotonic(), 0
    try:
        while True:
            data = await reader.read(PIECE)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            if rate:
                sent += len(data)
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    await asyncio.sleep(ahead)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def serve(client_reader, client_writer):
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", UPSTREAM)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pipe(client_reader, up_writer),
        pipe(up_reader, client_writer, RATE),
    )


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
