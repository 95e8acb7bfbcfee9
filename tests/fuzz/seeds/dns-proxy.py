#!/usr/bin/env python3
"""Relays DNS between a client (dig, kdig) and knotd on loopback, saving every UDP message and every TCP stream.

Usage: dns-proxy.py LISTEN_PORT KNOT_PORT OUT_DIR   (stops after 60 s without traffic)
"""
import os, select, socket, sys

listen_port, knot_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
counter = [0]

def save(kind, data):
    counter[0] += 1
    with open(os.path.join(out, f"{kind}-{counter[0]:03d}.bin"), "wb") as f:
        f.write(data)

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", listen_port))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", listen_port))
tcp.listen(4)
while True:
    ready, _, _ = select.select([udp, tcp], [], [], 60)
    if not ready:
        break
    if udp in ready:
        query, client = udp.recvfrom(65535)
        save("udp-query", query)
        upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.settimeout(2)
        upstream.sendto(query, ("127.0.0.1", knot_port))
        try:
            response = upstream.recv(65535)
            save("udp-response", response)
            udp.sendto(response, client)
        except socket.timeout:
            pass
        upstream.close()
    if tcp in ready:
        conn, _ = tcp.accept()
        upstream = socket.create_connection(("127.0.0.1", knot_port))
        sent, received = bytearray(), bytearray()
        open_ends = {conn: upstream, upstream: conn}
        while open_ends:
            readable, _, _ = select.select(list(open_ends), [], [], 2)
            if not readable:
                break
            for s in readable:
                data = s.recv(65535)
                if not data:
                    other = open_ends.pop(s)
                    try:
                        other.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    continue
                (sent if s is conn else received).extend(data)
                open_ends[s].sendall(data)
        save("tcp-stream", bytes(sent))
        save("tcp-responses", bytes(received))
        conn.close()
        upstream.close()
