// Sends the forwarding benchmark's frames on one interface as fast as one core can,
// for a given time, with AF_PACKET and sendmmsg (64 frames a call, the qdisc bypassed).
// Prints "<frames sent> <seconds>". Used by bench/kernel.js.
//
//   send IFNAME SECONDS DSTS_FILE DST_MAC
//
// DSTS_FILE: one IPv4 destination per line (host order, decimal); each becomes a 60-byte
// Ethernet/IPv4/UDP frame from 02:00:00:00:00:20, 192.0.2.10:12345 to port 53, TTL 64,
// DF set, UDP checksum 0: the frames bench/forwarding.js injects into netpath.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_FRAMES 1024
#define BURST 64
#define FRAME_LEN 60

static unsigned ip_checksum(const unsigned char *p, int n) {
  unsigned s = 0;
  for (int i = 0; i < n; i += 2) s += (p[i] << 8) | p[i + 1];
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return ~s & 0xffff;
}

static void build(unsigned char *f, const unsigned char *dmac, unsigned dst) {
  memset(f, 0, FRAME_LEN);
  memcpy(f, dmac, 6);
  f[6] = 0x02; f[11] = 0x20; f[12] = 0x08;
  unsigned char *ip = f + 14;
  ip[0] = 0x45; ip[3] = 46; ip[6] = 0x40; ip[8] = 64; ip[9] = 17;
  ip[12] = 192; ip[13] = 0; ip[14] = 2; ip[15] = 10;
  for (int i = 0; i < 4; i++) ip[16 + i] = dst >> (24 - 8 * i);
  unsigned c = ip_checksum(ip, 20);
  ip[10] = c >> 8; ip[11] = c & 0xff;
  unsigned char *udp = ip + 20;
  udp[0] = 0x30; udp[1] = 0x39; udp[3] = 0x35; udp[5] = 26;
}

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: send IFNAME SECONDS DSTS_FILE DST_MAC\n"); return 2; }
  double secs = atof(argv[2]);
  unsigned char dmac[6];
  if (sscanf(argv[4], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3], &dmac[4], &dmac[5]) != 6) {
    fprintf(stderr, "bad MAC %s\n", argv[4]); return 2;
  }
  FILE *in = fopen(argv[3], "r");
  if (!in) { perror(argv[3]); return 1; }
  static unsigned char frames[MAX_FRAMES][FRAME_LEN];
  int n = 0;
  unsigned dst;
  while (n < MAX_FRAMES && fscanf(in, "%u", &dst) == 1) build(frames[n++], dmac, dst);
  fclose(in);
  if (n == 0) { fprintf(stderr, "no destinations in %s\n", argv[3]); return 2; }

  int s = socket(AF_PACKET, SOCK_RAW, 0);
  if (s < 0) { perror("socket"); return 1; }
  int one = 1;
  setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]) };
  if (addr.sll_ifindex == 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) { perror(argv[1]); return 1; }

  struct mmsghdr msgs[BURST];
  struct iovec iov[BURST];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BURST; i++) { msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1; iov[i].iov_len = FRAME_LEN; }
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long sent = 0;
  int next = 0;
  double elapsed;
  do {
    // the frames in the order bench/forwarding.js injects them
    for (int i = 0; i < BURST; i++) { iov[i].iov_base = frames[next]; next = next + 1 == n ? 0 : next + 1; }
    int r = sendmmsg(s, msgs, BURST, 0);
    if (r < 0) { perror("sendmmsg"); return 1; }
    sent += r;
    elapsed = since(&t0);
  } while (elapsed < secs);
  printf("%ld %.6f\n", sent, elapsed);
  return 0;
}
