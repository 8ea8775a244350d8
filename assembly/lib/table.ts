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
