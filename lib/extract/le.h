/*
 * le.h - little-endian integers read from byte buffers.
 *
 * The binary formats of lib/extract (OLE2 streams, BIFF, PowerPoint
 * records, zip headers, MAPI properties, TNEF, the PST reader's records)
 * store their integers little-endian.  These read them one byte at a time,
 * whatever the alignment of `p` and the byte order of the machine.
 *
 * Bounds are the caller's job: tw_le16() reads p[0..1], tw_le32() p[0..3],
 * tw_le64() p[0..7], and the caller must have checked that those bytes lie
 * inside what was really read.
 */
#ifndef TW_LE_H
#define TW_LE_H

#include <stdint.h>

static inline uint16_t tw_le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t tw_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t tw_le64(const unsigned char *p)
{
	return (uint64_t)tw_le32(p) | (uint64_t)tw_le32(p + 4) << 32;
}

#endif
