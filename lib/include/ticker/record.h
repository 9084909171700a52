/* SPDX-License-Identifier: MIT */
#ifndef TICKER_RECORD_H
#define TICKER_RECORD_H

/*
 * The recording format: JSON Lines, one raw upstream frame per line, as the
 * daemon writes them when recording is on and the replay source reads them:
 *
 *   {"t":1700000000123456,"ex":"binance","ad":"binance","f":"<frame>"}
 *
 * t is the receive time (µs since the Unix epoch), ex the configured
 * exchange name, ad the adapter name and f the exact frame bytes as a JSON
 * string.  Frames are UTF-8 text; a byte that is not part of valid UTF-8
 * is written as \u00XX of its value so that the line stays valid JSON, and
 * such a frame replays with U+00XX (two UTF-8 bytes) in place of that byte.
 *
 * The writer puts the keys in exactly this order, with no spaces.  The
 * reader accepts any JSON object with exactly these four keys, in any
 * order, with JSON whitespace, so recordings passed through jq or Python
 * still replay.
 */

#include <stddef.h>
#include <stdint.h>

#include <ticker/tick.h>

#define TK_RECORD_ADAPTER_MAX	32		/* adapter name incl. NUL */
#define TK_RECORD_LINE_MAX	(1024 * 1024)	/* longer lines are skipped */

/*
 * One parsed line.  The caller points @buf at @cap bytes of scratch space
 * before parsing (a buffer as long as the line always suffices: decoding
 * never grows the text); the frame is decoded there, so parsing a line
 * does not allocate.
 */
struct tk_record {
	int64_t		 t;			/* receive time, µs */
	char		 ex[TK_NAME_MAX];	/* exchange name */
	char		 ad[TK_RECORD_ADAPTER_MAX]; /* adapter name */
	const char	*frame;			/* the frame, inside @buf */
	size_t		 len;			/* its length in bytes */
	/* Set by the caller: */
	char		*buf;
	size_t		 cap;
	/* Written on failure only: a static string saying what is wrong. */
	const char	*reason;
};

/*
 * Bytes tk_record_format() needs at most for a frame of @len bytes and
 * names of at most TK_NAME_MAX - 1 and TK_RECORD_ADAPTER_MAX - 1 bytes
 * (every byte may become a 6-byte \u00XX escape), NUL included.
 */
size_t	tk_record_size(size_t len);

/*
 * Writes one line for @frame (@len bytes, NUL bytes allowed) into @buf.
 * Returns its length including the trailing '\n' (a NUL follows when it
 * fits), -ENOSPC if @cap is too small, or -EINVAL when @ex or @ad is
 * NULL, empty or too long for struct tk_record (the line could not be
 * replayed).
 */
int	tk_record_format(int64_t t, const char *ex, const char *ad,
	    const char *frame, size_t len, char *buf, size_t cap);

/*
 * Parses one line (@len bytes, without or with its '\n').  Returns 0 and
 * fills t, ex, ad, frame and len; -EINVAL when the line is not a record
 * (names that are empty, too long or hold a NUL included), or -ENOSPC
 * when the frame does not fit @out->cap; either way @out->reason says why
 * and nothing else is written (the scratch may have been used).
 */
int	tk_record_parse(const char *line, size_t len, struct tk_record *out);

#endif
