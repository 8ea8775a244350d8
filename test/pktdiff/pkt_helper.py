#!/usr/bin/env python3
"""AF_PACKET injector/capturer for the packet-level differential test.

Runs inside the tester network namespace (ip netns exec NS python3 pkt_helper.py IF0 IF1 ...),
with one raw packet socket per tester-side veth end, and speaks JSON lines:

  -> {"op": "send", "port": i, "hex": "...", "quiet": ms, "arpQuiet": ms, "max": ms}
  <- {"at": ms, "out": [[port, "hex"], ...], "stray": [[port, "hex"], ...]}
     Before sending, whatever is already queued on any socket is returned as
     "stray" (frames nobody asked for: the runner treats them as an error).
     After sending, frames are collected until `quiet` ms pass without one
     (`arpQuiet` once the DUT sent an ARP request: neighbour resolution
     retransmits on a timer) or `max` ms have passed since the send.
     "at" is the send time in ms since the helper started.
  -> {"op": "drain", "ms": N}      <- {"out": [[port, "hex"], ...]}   collect for N ms
  -> {"op": "quit"}

Frames this socket itself sent (PACKET_OUTGOING) are not reported. Standard
library only.
"""
import json
import os
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

names = sys.argv[1:]
socks = []
for n in names:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((n, 0))
    s.setblocking(False)
    socks.append(s)
poller = select.poll()
fd2port = {}
for i, s in enumerate(socks):
    poller.register(s.fileno(), select.POLLIN)
    fd2port[s.fileno()] = i

t0 = time.monotonic()


def now_ms():
    return (time.monotonic() - t0) * 1000.0


def read_ready(timeout_ms):
    """Frames available within timeout_ms (0 = only what is queued now), in the order read."""
    out = []
    for fd, _ev in poller.poll(max(0, int(timeout_ms))):
        i = fd2port[fd]
        s = socks[i]
        while True:
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            out.append([i, data.hex()])
    return out


def is_arp_request(h):
    return len(h) >= 44 and h[24:28] == "0806" and h[40:44] == "0001"


def main():
    print(json.dumps({"ready": True, "ports": names}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        m = json.loads(line)
        op = m.get("op")
        if op == "quit":
            break
        if op == "drain":
            end = now_ms() + m["ms"]
            out = []
            while True:
                left = end - now_ms()
                if left <= 0:
                    break
                out += read_ready(left)
            print(json.dumps({"out": out}), flush=True)
            continue
        if op == "send":
            stray = read_ready(0)
            at = now_ms()
            frame = bytes.fromhex(m["hex"])
            try:
                socks[m["port"]].send(frame)
                err = None
            except OSError as e:
                err = "%s: %s" % (type(e).__name__, e)
            quiet = float(m.get("quiet", 20))
            arp_quiet = float(m.get("arpQuiet", quiet))
            hard = at + float(m.get("max", 2000))
            last = now_ms()
            out = []
            while True:
                t = now_ms()
                deadline = min(last + quiet, hard)
                if t >= deadline:
                    break
                got = read_ready(deadline - t)
                if got:
                    last = now_ms()
                    out += got
                    if any(is_arp_request(h) for _, h in got):
                        quiet = max(quiet, arp_quiet)
            r = {"at": round(at, 1), "out": out, "stray": stray}
            if err:
                r["error"] = err
            print(json.dumps(r), flush=True)
            continue
        print(json.dumps({"error": "unknown op %r" % op}), flush=True)


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        for s in socks:
            s.close()
        sys.stdout.flush()
        os._exit(0)
