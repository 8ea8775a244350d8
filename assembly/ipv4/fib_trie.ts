// Longest-prefix match for one FIB table. The kernel uses an LC-trie
// (net/ipv4/fib_trie.c); we use a DIR-16-8-8 multibit trie with controlled
// prefix expansion: a lookup is at most three loads, whatever the table size.
// Every slot names the longest prefix (a "leaf": a prefix node, see fib_table.ts)
// covering it, or a child chunk of 256 slots for the next 8 bits.
//
// slot encoding (u32): 0 = no prefix; (pn + 1) << 1 = leaf; (chunk << 1) | 1 = child.

const ROOT_SLOTS: i32 = 65536;
const CHUNK_BYTES: usize = 256 * 4;

/** prefix length of each prefix node, read during expansion (owned by fib_table.ts) */
import { pnLen } from "./fib_table";

let chunkBase: usize = 0;
let chunkCap: u32 = 0;
let chunkCount: u32 = 1; // chunk 0 unused: slot value 1 would be ambiguous with nothing
let chunkFree: u32 = 0; // free list through slot 0 of free chunks

function chunkAlloc(fill: u32): u32 {
  let c: u32;
  if (chunkFree != 0) {
    c = chunkFree;
    chunkFree = load<u32>(chunkBase + (<usize>c) * CHUNK_BYTES);
  } else {
    if (chunkCount >= chunkCap) {
      const ncap = chunkCap == 0 ? <u32>1024 : chunkCap * 2;
      chunkBase = chunkBase == 0 ? heap.alloc((<usize>ncap) * CHUNK_BYTES) : heap.realloc(chunkBase, (<usize>ncap) * CHUNK_BYTES);
      chunkCap = ncap;
    }
    c = chunkCount++;
  }
  const p = chunkBase + (<usize>c) * CHUNK_BYTES;
  for (let i = 0; i < 256; i++) store<u32>(p + (<usize>i << 2), fill);
  return c;
}

// @ts-ignore: decorator
@inline function chunkPtr(slot: u32): usize { return chunkBase + (<usize>(slot >>> 1)) * CHUNK_BYTES; }

/** a new, empty root (256 KiB) */
export function trieNewRoot(): usize {
  const r = heap.alloc(<usize>ROOT_SLOTS << 2);
  memory.fill(r, 0, <usize>ROOT_SLOTS << 2);
  return r;
}

/** the prefix node of the longest prefix covering addr, -1 if none */
// @ts-ignore: decorator
@inline export function trieLookup(root: usize, addr: u32): i32 {
  let s = load<u32>(root + (<usize>(addr >>> 16) << 2));
  if (s & 1) {
    s = load<u32>(chunkPtr(s) + (<usize>((addr >>> 8) & 255) << 2));
    if (s & 1) s = load<u32>(chunkPtr(s) + (<usize>(addr & 255) << 2));
  }
  return <i32>(s >>> 1) - 1;
}

// Expansion: a slot takes the new leaf unless it holds a longer prefix already.
function expand(slot: u32, leaf: u32, len: i32): u32 {
  if (slot & 1) {
    const p = chunkPtr(slot);
    for (let i = 0; i < 256; i++) {
      const a = p + (<usize>i << 2);
      store<u32>(a, expand(load<u32>(a), leaf, len));
    }
    return slot;
  }
  if (slot == 0 || unchecked(pnLen[<i32>(slot >>> 1) - 1]) <= len) return leaf;
  return slot;
}

// Removal: slots that named the removed leaf take its replacement (next shorter covering prefix).
function unexpand(slot: u32, leaf: u32, repl: u32): u32 {
  if (slot & 1) {
    const p = chunkPtr(slot);
    for (let i = 0; i < 256; i++) {
      const a = p + (<usize>i << 2);
      store<u32>(a, unexpand(load<u32>(a), leaf, repl));
    }
    return slot;
  }
  return slot == leaf ? repl : slot;
}

/** the slot array for bits [level] of prefix, creating child chunks on the way */
function descend(root: usize, prefix: u32, len: i32): usize {
  if (len <= 16) return root;
  const a0 = root + (<usize>(prefix >>> 16) << 2);
  let s0 = load<u32>(a0);
  if (!(s0 & 1)) { s0 = (chunkAlloc(s0) << 1) | 1; store<u32>(a0, s0); }
  if (len <= 24) return chunkPtr(s0);
  const a1 = chunkPtr(s0) + (<usize>((prefix >>> 8) & 255) << 2);
  let s1 = load<u32>(a1);
  if (!(s1 & 1)) { s1 = (chunkAlloc(s1) << 1) | 1; store<u32>(a1, s1); }
  return chunkPtr(s1);
}

function range(prefix: u32, len: i32): u64 {
  // returns (start << 32) | count within the level's slot array
  if (len <= 16) return ((<u64>(prefix >>> 16)) << 32) | (<u64>1 << (16 - len));
  if (len <= 24) return ((<u64>((prefix >>> 8) & 255)) << 32) | (<u64>1 << (24 - len));
  return ((<u64>(prefix & 255)) << 32) | (<u64>1 << (32 - len));
}

export function trieInsert(root: usize, prefix: u32, len: i32, pn: i32): void {
  const base = descend(root, prefix, len);
  const r = range(prefix, len);
  const start = <i32>(r >>> 32), n = <i32>(r & 0xffffffff);
  const leaf = (<u32>(pn + 1)) << 1;
  for (let i = start; i < start + n; i++) {
    const a = base + (<usize>i << 2);
    store<u32>(a, expand(load<u32>(a), leaf, len));
  }
}

/** removes prefix node pn; repl is the next shorter covering prefix node or -1 */
export function trieRemove(root: usize, prefix: u32, len: i32, pn: i32, repl: i32): void {
  const base = descend(root, prefix, len);
  const r = range(prefix, len);
  const start = <i32>(r >>> 32), n = <i32>(r & 0xffffffff);
  const leaf = (<u32>(pn + 1)) << 1;
  const rl = repl < 0 ? <u32>0 : (<u32>(repl + 1)) << 1;
  for (let i = start; i < start + n; i++) {
    const a = base + (<usize>i << 2);
    store<u32>(a, unexpand(load<u32>(a), leaf, rl));
  }
}

/** releases a root and all its chunks */
export function trieFree(root: usize): void {
  for (let i = 0; i < ROOT_SLOTS; i++) {
    const s = load<u32>(root + (<usize>i << 2));
    if (s & 1) {
      const p = chunkPtr(s);
      for (let j = 0; j < 256; j++) {
        const s1 = load<u32>(p + (<usize>j << 2));
        if (s1 & 1) freeChunk(s1 >>> 1);
      }
      freeChunk(s >>> 1);
    }
  }
  heap.free(root);
}
function freeChunk(c: u32): void {
  store<u32>(chunkBase + (<usize>c) * CHUNK_BYTES, chunkFree);
  chunkFree = c;
}
