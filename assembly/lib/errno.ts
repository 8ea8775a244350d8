// Linux errno values the core returns (negated), and the extack message that
// goes with a failure, the way the kernel's NL_SET_ERR_MSG attaches one.
export const EPERM: i32 = 1, ENOENT: i32 = 2, ESRCH: i32 = 3, EIO: i32 = 5, ENXIO: i32 = 6, ENOBUFS: i32 = 105,
  EEXIST: i32 = 17, ENODEV: i32 = 19, EINVAL: i32 = 22, ERANGE: i32 = 34, EOPNOTSUPP: i32 = 95, EAFNOSUPPORT: i32 = 97,
  EBUSY: i32 = 16, EACCES: i32 = 13, ENETDOWN: i32 = 100, ENETUNREACH: i32 = 101, EHOSTUNREACH: i32 = 113,
  EAGAIN: i32 = 11, ENOMEM: i32 = 12, EXDEV: i32 = 18, ENOSPC: i32 = 28, EADDRNOTAVAIL: i32 = 99, EADDRINUSE: i32 = 98,
  EOVERFLOW: i32 = 75;

/** the extack message of the last failed request ("" = none) */
export let extack: string = "";

export function clearExtack(): void { extack = ""; }

/** Sets the extack message and returns -err, for `return fail(EINVAL, "Invalid scope")`. */
export function fail(err: i32, msg: string): i32 {
  extack = msg;
  return -err;
}
