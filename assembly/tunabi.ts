// The ABI of the tun/tap driver (drivers/tun.ts): the host end of a device is
// a "file" opened with tunSetIff. Packets cross in batches through the wire
// stage area (hwWireStagePtr): records of [u32 length][bytes], padded to 4.
// Bound by src/tun.ts.

import {
  tun_set_iff, tunSetPersist as setPersist, tun_detach, tun_get_user, tun_do_read, tun_peek_len, tunFlagsOf, tunReadQueuedAt,
  tunNumQueues, tunOperstateUnknown, tunRingCount, tunRingSize,
} from "./drivers/tun";
import { wireStagePtr, wireStageTimesPtr, STAGE_SIZE, STAGE_TIMES_MAX } from "./hw/wire";
import { clearExtack } from "./lib/errno";

/** open + TUNSETIFF: the ifindex of the device the file is attached to, or -errno. */
export function tunSetIff(name: string, flags: u32): i32 { clearExtack(); return tun_set_iff(name, flags); }
/** TUNSETPERSIST */
export function tunSetPersist(ifindex: i32, on: bool): i32 { return setPersist(ifindex, on); }
/** close() of the file */
export function tunClose(ifindex: i32): void { tun_detach(ifindex); }

/** 0 tun_flags (sysfs), 1 attached queues, 2 operstate still UNKNOWN, 3 packets on the ring, 4 ring size */
export function tunInfo(ifindex: i32, which: i32): i32 {
  switch (which) {
    case 0: return <i32>tunFlagsOf(ifindex);
    case 1: return tunNumQueues(ifindex);
    case 2: return tunOperstateUnknown(ifindex) ? 1 : 0;
    case 3: return tunRingCount(ifindex);
    case 4: return tunRingSize(ifindex);
  }
  return 0;
}

/**
 * write() for `count` stage records. Each record's length word is overwritten with
 * write()'s return value (bytes written or -errno). Returns how many were accepted.
 */
export function tunWriteBatch(ifindex: i32, count: i32): i32 {
  const stage = wireStagePtr();
  let off: u32 = 0;
  let ok = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > STAGE_SIZE) break;
    const len = load<u32>(stage + off);
    if (len > STAGE_SIZE - off - 4) { store<i32>(stage + off, -22); break; }
    const rc = tun_get_user(ifindex, stage + off + 4, len);
    store<i32>(stage + off, rc);
    if (rc >= 0) ok++;
    off += (4 + len + 3) & ~3;
  }
  return ok;
}

/**
 * read() until the ring is empty, `max` packets or the stage area is full, as records; returns how
 * many, or -errno. Each read has a buffer of `size` bytes (0: as large as the packet). The stage
 * area's times table (hwWireStageTimesPtr) gets when each packet was queued on the ring.
 */
export function tunReadBatch(ifindex: i32, max: i32, size: u32): i32 {
  const stage = wireStagePtr();
  let off: u32 = 0;
  let n = 0;
  while (n < max && n < STAGE_TIMES_MAX) {
    const want = tun_peek_len(ifindex);
    if (want == 0) break;
    const cap = size != 0 && size < want ? size : want;
    if (off + 4 + cap > STAGE_SIZE) break;
    const rc = tun_do_read(ifindex, stage + off + 4, cap);
    if (rc < 0) return n > 0 ? n : rc;
    store<u32>(stage + off, <u32>rc);
    store<i64>(wireStageTimesPtr() + (<usize>n << 3), tunReadQueuedAt);
    off += (4 + <u32>rc + 3) & ~3;
    n++;
  }
  return n;
}
