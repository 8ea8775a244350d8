// How a command ends. iproute2 has two ways out of a command: returning a
// status to its caller (so `-batch` can print "Command failed" and carry on
// with -force), and calling exit() from deep inside the argument parser
// (which ends the whole process, batch or not). IpExit models the latter.

export class IpExit extends Error {
  /** `text` is what was printed on stderr right before exit() */
  constructor(readonly status: number, readonly text = '', readonly stdout = '') { super(text || `ip exited with ${status}`); }
}

/** Linux strerror() texts for the errnos the kernel can answer with. */
const STRERROR: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process',
  4: 'Interrupted system call', 5: 'Input/output error', 6: 'No such device or address',
  7: 'Argument list too long', 9: 'Bad file descriptor', 11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory', 13: 'Permission denied', 14: 'Bad address',
  16: 'Device or resource busy', 17: 'File exists', 18: 'Invalid cross-device link',
  19: 'No such device', 20: 'Not a directory', 21: 'Is a directory', 22: 'Invalid argument',
  23: 'Too many open files in system', 24: 'Too many open files', 28: 'No space left on device',
  33: 'Numerical argument out of domain', 34: 'Numerical result out of range',
  36: 'File name too long', 38: 'Function not implemented', 39: 'Directory not empty',
  61: 'No data available', 71: 'Protocol error', 75: 'Value too large for defined data type',
  90: 'Message too long', 92: 'Protocol not available', 93: 'Protocol not supported',
  95: 'Operation not supported', 97: 'Address family not supported by protocol',
  98: 'Address already in use', 99: 'Cannot assign requested address', 100: 'Network is down',
  101: 'Network is unreachable', 103: 'Software caused connection abort',
  105: 'No buffer space available', 110: 'Connection timed out', 111: 'Connection refused',
  113: 'No route to host', 114: 'Operation already in progress',
};

export function strerror(errno: number): string {
  return STRERROR[errno] ?? `Unknown error ${errno}`;
}

/** What iproute2's netlink layer prints for a failed request (lib/libnetlink.c). */
export function kernelErrorText(e: { errno: number; msg?: string }): string {
  return e.msg ? `Error: ${e.msg}.\n` : `RTNETLINK answers: ${strerror(e.errno)}\n`;
}
