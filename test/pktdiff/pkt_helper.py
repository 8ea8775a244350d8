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

Endpoints can also be added while running; each gets the next port number:
  -> {"op": "open", "name": IF}                       <- {"port": i}   one more packet socket
  -> {"op": "tun", "name": DEV, "tap": bool, "pi": bool, "netns": PATH}
                                                      <- {"port": i} or {"error": ...}
     the queue of the existing tun/tap device DEV in the namespace PATH
     (/dev/net/tun opened there, TUNSETIFF with IFF_TUN or IFF_TAP, plus
     IFF_NO_PI unless pi): "send" to it is write() (the answer has "ret": the
     bytes written, or the errno's name), and what the device transmits is read() from
     it and reported like a captured frame.
"send" without "hex" sends nothing and only collects (until quiet).

Frames this socket itself sent (PACKET_OUTGOING) are not reported. Standard
library only.
"""
import ctypes
import errno
import fcntl
import json
import os
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
CLONE_NEWNET = 0x40000000

names = sys.argv[1:]
socks = []  # per port: a packet socket, or the file descriptor of a tun/tap queue
poller = select.poll()
fd2port = {}


def add_endpoint(x):
    fd = x if isinstance(x, int) else x.fileno()
    poller.register(fd, select.POLLIN)
    fd2port[fd] = len(socks)
    socks.append(x)
    return len(socks) - 1


def open_packet(n):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((n, 0))
    s.setblocking(False)
    return add_endpoint(s)


libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def open_tun(name, tap, pi, netns):
    """The queue of tun/tap device `name` in namespace `netns` (a /run/netns path); back in our own namespace after."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    there = os.open(netns, os.O_RDONLY)
    try:
        setns(there)
        try:
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
            flags = (IFF_TAP if tap else IFF_TUN) | (0 if pi else IFF_NO_PI)
            try:
                fcntl.ioctl(fd, TUNSETIFF, name.encode().ljust(16, b"\0") + flags.to_bytes(2, "little") + b"\0" * 22)
            except OSError:
                os.close(fd)
                raise
        finally:
            setns(home)
    finally:
        os.close(there)
        os.close(home)
    return add_endpoint(fd)


for n in names:
    open_packet(n)

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
                if isinstance(s, int):
                    data = os.read(s, 65535)
                else:
                    data, addr = s.recvfrom(65535)
                    if addr[2] == PACKET_OUTGOING:
                        continue
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno != errno.ENETDOWN:
                    raise
                break  # the device went down (reported once): later frames still come
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
        if op == "open":
            print(json.dumps({"port": open_packet(m["name"])}), flush=True)
            continue
        if op == "tun":
            try:
                r = {"port": open_tun(m["name"], m.get("tap", False), m.get("pi", False), m["netns"])}
            except OSError as e:
                r = {"error": "%s: %s" % (errno.errorcode.get(e.errno, e.errno), e)}
            print(json.dumps(r), flush=True)
            continue
        if op == "send":
            stray = read_ready(0)
            at = now_ms()
            err = None
            ret = None
            if "hex" in m:
                frame = bytes.fromhex(m["hex"])
                s = socks[m["port"]]
                try:
                    if isinstance(s, int):
                        ret = os.write(s, frame)
                    else:
                        s.send(frame)
                except OSError as e:
                    if isinstance(s, int):
                        ret = errno.errorcode.get(e.errno, str(e.errno))
                    else:
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
            if ret is not None:
                r["ret"] = ret
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
            os.close(s) if isinstance(s, int) else s.close()
        sys.stdout.flush()
        os._exit(0)
