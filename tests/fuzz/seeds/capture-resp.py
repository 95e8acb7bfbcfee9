#!/usr/bin/env python3
"""Captures the RESP seed corpus: replies of a real redis-server on loopback to the commands RedisCheck sends and
to commands whose replies cover every RESP2 type (errors, integers, null bulk string, null array, nested arrays).

Usage: capture-resp.py OUT_DIR
"""
import os, random, shutil, socket, subprocess, sys, tempfile, time

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
port = random.randint(20000, 29999)
work = tempfile.mkdtemp(prefix="router-resp-")
server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                           "--dir", work], stdout=subprocess.DEVNULL)


def encode(args):
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode() if isinstance(arg, str) else arg
        parts.append(f"${len(data)}\r\n".encode() + data + b"\r\n")
    return b"".join(parts)


def connect():
    for _ in range(100):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def ask(conn, args):
    conn.sendall(encode(args))
    time.sleep(0.05)
    conn.settimeout(0.3)
    data = b""
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return data


try:
    conn = connect()
    commands = {
        "ping": ["PING"],
        "ping-message": ["PING", "hello world"],
        "auth-without-password": ["AUTH", "secret"],
        "set-px": ["SET", "router:health:0123456789abcdef0123456789abcdef", "router-health 2026-12-07T09:00:00.0000000+00:00", "PX", "30000"],
        "get": ["GET", "router:health:0123456789abcdef0123456789abcdef"],
        "get-missing": ["GET", "router:health:missing"],
        "incr": ["INCR", "counter"],
        "wrongtype": ["LPUSH", "router:health:0123456789abcdef0123456789abcdef", "x"],
        "unknown-command": ["NOSUCHCOMMAND", "x"],
        "rpush": ["RPUSH", "list", "a", "", "ccc"],
        "lrange": ["LRANGE", "list", "0", "-1"],
        "hset": ["HSET", "hash", "field", "value", "other", "1"],
        "hgetall": ["HGETALL", "hash"],
        "scan": ["SCAN", "0", "COUNT", "10"],
        "blpop-timeout-null-array": ["BLPOP", "empty", "0.01"],
        "command-info": ["COMMAND", "INFO", "get", "set"],
        "config-get": ["CONFIG", "GET", "maxmemory*"],
        "info": ["INFO", "server"],
        "client-list": ["CLIENT", "LIST"],
        "exec-without-multi": ["EXEC"],
        "set-binary": ["SET", "bin", b"\x00\xff\r\n\x01"],
        "get-binary": ["GET", "bin"],
    }
    replies = []
    for name, args in commands.items():
        reply = ask(conn, args)
        replies.append(reply)
        with open(os.path.join(out, f"{name}.resp"), "wb") as f:
            f.write(reply)
    # MULTI/EXEC: queued replies, then an array of the replies.
    multi = ask(conn, ["MULTI"]) + ask(conn, ["SET", "a", "1"]) + ask(conn, ["INCR", "a"]) + ask(conn, ["EXEC"])
    with open(os.path.join(out, "multi-exec.resp"), "wb") as f:
        f.write(multi)
    # A replica refuses writes: the READONLY error RedisCheck reports.
    ask(conn, ["REPLICAOF", "127.0.0.1", "1"])
    with open(os.path.join(out, "set-readonly.resp"), "wb") as f:
        f.write(ask(conn, ["SET", "a", "2"]))
    ask(conn, ["REPLICAOF", "NO", "ONE"])
    # A password set: NOAUTH before AUTH, then WRONGPASS and OK.
    ask(conn, ["CONFIG", "SET", "requirepass", "secret"])
    second = connect()
    with open(os.path.join(out, "ping-noauth.resp"), "wb") as f:
        f.write(ask(second, ["PING"]))
    with open(os.path.join(out, "auth-wrongpass.resp"), "wb") as f:
        f.write(ask(second, ["AUTH", "wrong"]))
    with open(os.path.join(out, "auth-ok.resp"), "wb") as f:
        f.write(ask(second, ["AUTH", "secret"]))
    # Several replies in one read, as the connection may receive them.
    with open(os.path.join(out, "pipelined.resp"), "wb") as f:
        f.write(b"".join(replies[:8]))
finally:
    server.terminate()
    server.wait()
    shutil.rmtree(work, ignore_errors=True)
print(f"captured {len(os.listdir(out))} files in {out}")
