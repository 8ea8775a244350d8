// A fixed table of T in static memory, for arrays the hot path reads:
//   const t = changetype<Table<u32>>(memory.data(N * sizeof<u32>(), 8));
// Written exactly like that, its address is a compile-time constant that the
// compiler folds into every access. A `new StaticArray` is a global set at
// start, and every access loads it first. There is no length and no bounds
// check, with or without unchecked(): only for indexes proven in range
// (constants, masked hashes, numbers the caller has checked), and each use
// says so by writing unchecked(t[i]).

// @ts-ignore: decorator
@final @unmanaged
export class Table<T> {
  // @ts-ignore: decorator
  @inline @operator("[]") get(i: i32): T { return load<T>(changetype<usize>(this) + (<usize>i << alignof<T>())); }
  // @ts-ignore: decorator
  @inline @operator("[]=") set(i: i32, v: T): void { store<T>(changetype<usize>(this) + (<usize>i << alignof<T>()), v); }
}

/**
 * Slots of a SlotTable. The ifindexes (DEV_MAX) have this many; netdevice.ts checks so at compile
 * time. (The skb pool's fields are records instead: skbuff.ts.)
 */
export const SLOTS: i32 = 4096;
/**
 * Bytes between one SlotTable and the next beyond its SLOTS values. Without them every table is a
 * multiple of 4 KiB long, so one index's fields all sit at the same offset within a page: they fall
 * into one L1 cache set (more than its ways) and each load after a store to another field of the
 * same index waits on 4K aliasing. 136 puts the fields 136 bytes apart within a page.
 */
export const SLOT_SKEW: i32 = 136;
/**
 * One field of a struct-of-arrays (a net_device field for every ifindex), read and written as field[i]:
 *   const f = changetype<SlotTable<u32>>(memory.data(SLOTS * sizeof<u32>() + SLOT_SKEW, 8));
 * Indexes are masked to SLOTS, so an access can never leave its table: no bounds check per access.
 */
// @ts-ignore: decorator
@final @unmanaged
export class SlotTable<T> {
  // @ts-ignore: decorator
  @inline @operator("[]") get(i: i32): T { return load<T>(slotAt<T>(changetype<usize>(this), i)); }
  // @ts-ignore: decorator
  @inline @operator("[]=") set(i: i32, v: T): void { store<T>(slotAt<T>(changetype<usize>(this), i), v); }
  // @ts-ignore: decorator
  @inline @operator("{}") uget(i: i32): T { return load<T>(slotAt<T>(changetype<usize>(this), i)); }
  // @ts-ignore: decorator
  @inline @operator("{}=") uset(i: i32, v: T): void { store<T>(slotAt<T>(changetype<usize>(this), i), v); }
}
// @ts-ignore: decorator
@inline function slotAt<T>(base: usize, i: i32): usize { return base + (<usize>(i & (SLOTS - 1)) << alignof<T>()); }
