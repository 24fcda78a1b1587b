/*
 * media.c - audio and video files: container and stream metadata with
 * libavformat, never the samples.
 *
 * The item's bytes (in memory, or for a large recording its file on disk,
 * which is never read whole) are handed to libavformat through a custom
 * AVIOContext; it reads the container's headers and, in
 * avformat_find_stream_info(), as little of the streams as it needs to
 * name their codecs and sizes: the probe is bounded in bytes
 * (MEDIA_PROBE_BYTES), in stream time (MEDIA_ANALYZE_US), in frames read
 * for the frame rate, and in wall time by an interrupt callback that polls
 * the item's time budget.  Nested opens (playlists, references to other
 * files, concat lists) are refused by our io_open: a hostile file cannot
 * make the demuxer read a local path or a URL.  libavformat's logging is
 * silenced once (tw_media_global_init, from tw_extract_global_init).
 *
 * Recorded as props: container, duration (seconds), bit_rate (bits per
 * second), video_codec, width, height, frame_rate, audio_codec,
 * sample_rate, channels, and the container's tags: title, author (artist),
 * album, comment, genre, copyright, created (creation time, ISO 8601 UTC),
 * creator (encoder).  Headers that lie (a duration the bytes cannot hold,
 * an absurd frame size) are recorded as errors, and their values dropped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/log.h>

#include "extract/extract.h"

#define MEDIA_PROBE_BYTES (2 << 20)           /* bytes read to find the streams */
#define MEDIA_ANALYZE_US (3 * AV_TIME_BASE)   /* stream time analysed */
#define MEDIA_IO_BUF 32768
#define MEDIA_MAX_STREAMS 64
#define MEDIA_MAX_PIXELS (1ull << 28)         /* as image.c */
#define MEDIA_DECODE_PIXELS (1 << 25)         /* frames decoded: 8K UHD fits */
#define MEDIA_MAX_SECONDS (10.0 * 366 * 86400) /* longer is a lying header */

/* The item's bytes: in memory (d), or a file on disk (f) too large to be
 * read whole when only its headers are wanted. */
struct media_io {
	const unsigned char *d;
	FILE *f;
	size_t n, pos;
	tw_extract_ctx *cx;
};

static int io_read(void *opaque, uint8_t *buf, int size)
{
	struct media_io *m = opaque;
	size_t k;

	/* Demuxers that loop over their input without polling the interrupt
	 * callback still stop here. */
	if (tw_cx_expired(m->cx))
		return AVERROR_EXIT;
	if (m->pos >= m->n)
		return AVERROR_EOF;
	k = m->n - m->pos;
	if (k > (size_t)size)
		k = (size_t)size;
	if (m->f) {
		if (fseeko(m->f, (off_t)m->pos, SEEK_SET) != 0)
			return AVERROR(EIO);
		k = fread(buf, 1, k, m->f);
		if (k == 0)
			return ferror(m->f) ? AVERROR(EIO) : AVERROR_EOF;
	} else {
		memcpy(buf, m->d + m->pos, k);
	}
	m->pos += k;
	return (int)k;
}

static int64_t io_seek(void *opaque, int64_t off, int whence)
{
	struct media_io *m = opaque;
	int64_t base;

	whence &= ~AVSEEK_FORCE;
	if (whence == AVSEEK_SIZE)
		return (int64_t)m->n;
	if (whence == SEEK_SET)
		base = 0;
	else if (whence == SEEK_CUR)
		base = (int64_t)m->pos;
	else if (whence == SEEK_END)
		base = (int64_t)m->n;
	else
		return AVERROR(EINVAL);
	if ((off > 0 && off > (int64_t)m->n - base) || (off < 0 && -off > base))
		return AVERROR(EINVAL);
	m->pos = (size_t)(base + off);
	return (int64_t)m->pos;
}

/* libavformat polls this during blocking reads and probing. */
static int io_interrupt(void *opaque)
{
	return tw_cx_expired(opaque);
}

/* Nothing but the item itself is ever opened. */
static int io_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
		   AVDictionary **options)
{
	(void)s;
	(void)url;
	(void)flags;
	(void)options;
	*pb = NULL;
	return AVERROR(EPERM);
}

void tw_media_global_init(void)
{
	av_log_set_level(AV_LOG_QUIET);
}

static int media_accepts(const char *mime, const char *ext, const unsigned char *data,
			 size_t len)
{
	(void)ext;
	(void)data;
	(void)len;
	return mime && (!strncmp(mime, "audio/", 6) || !strncmp(mime, "video/", 6));
}

static void tags(tw_node *node, AVDictionary *md)
{
	static const struct {
		const char *tag, *key;
	} map[] = {
		{"title", "title"},         {"artist", "author"},   {"author", "author"},
		{"album_artist", "author"}, {"album", "album"},     {"comment", "comment"},
		{"description", "comment"}, {"genre", "genre"},     {"copyright", "copyright"},
		{"encoder", "creator"},     {"encoded_by", "creator"},
	};
	const AVDictionaryEntry *e;
	size_t i, j;
	char iso[32];
	int y, mo, d, h = 0, mi = 0, s = 0;

	for (i = 0; i < TW_ARRAY_LEN(map); i++) {
		e = av_dict_get(md, map[i].tag, NULL, 0);
		if (!e || !e->value || !*e->value)
			continue;
		for (j = 0; j < node->nprops; j++)
			if (!strcmp(node->props[j].key, map[i].key))
				break;
		if (j == node->nprops)
			tw_node_prop(node, map[i].key, e->value);
	}
	/* creation_time is UTC ("2019-05-01T12:00:00.000000Z"); an ID3 date
	 * (often a bare year) is kept as written. */
	e = av_dict_get(md, "creation_time", NULL, 0);
	if (e && sscanf(e->value, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) >= 3 &&
	    y > 1904 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 &&
	    tw_utc_iso(y, mo, d, h, mi, s, 0, iso) == 0) {
		tw_node_prop(node, "created", iso);
	} else {
		e = av_dict_get(md, "date", NULL, 0);
		if (e && e->value && *e->value)
			tw_node_prop(node, "created", e->value);
	}
}

static void streams(tw_node *node, AVFormatContext *fmt)
{
	int video = 0, audio = 0;
	unsigned i;

	for (i = 0; i < fmt->nb_streams; i++) {
		AVStream *st = fmt->streams[i];
		AVCodecParameters *p = st->codecpar;
		const char *codec = avcodec_get_name(p->codec_id);

		if (p->codec_type == AVMEDIA_TYPE_VIDEO && !video &&
		    !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
			AVRational r = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;

			video = 1;
			tw_node_prop(node, "video_codec", codec);
			if (p->width > 0 && p->height > 0) {
				if ((uint64_t)p->width * (uint64_t)p->height > MEDIA_MAX_PIXELS) {
					tw_node_error(node, TRAWL_ECORRUPT, "parse",
						      "video stream declares %d x %d pixels",
						      p->width, p->height);
				} else {
					tw_node_propf(node, "width", "%d", p->width);
					tw_node_propf(node, "height", "%d", p->height);
				}
			}
			if (r.num > 0 && r.den > 0 && av_q2d(r) < 1000)
				tw_node_propf(node, "frame_rate", "%.3f", av_q2d(r));
		} else if (p->codec_type == AVMEDIA_TYPE_AUDIO && !audio) {
			audio = 1;
			tw_node_prop(node, "audio_codec", codec);
			if (p->sample_rate > 0)
				tw_node_propf(node, "sample_rate", "%d", p->sample_rate);
			if (p->ch_layout.nb_channels > 0)
				tw_node_propf(node, "channels", "%d", p->ch_layout.nb_channels);
		}
		/* A file tagged only on its streams (Ogg, Matroska) still names
		 * its title and artist. */
		tags(node, st->metadata);
	}
}

/*
 * avformat_find_stream_info() opens a decoder per stream and may decode a
 * few frames: each decoder runs on this thread only (not one thread per
 * core, each with its own frames), and refuses frames larger than
 * MEDIA_DECODE_PIXELS instead of allocating what a hostile header declares.
 */
static int find_stream_info(AVFormatContext *fmt)
{
	AVDictionary **opts;
	unsigned i, n = fmt->nb_streams;
	int r;

	opts = n ? av_calloc(n, sizeof(*opts)) : NULL;
	if (n && !opts)
		return AVERROR(ENOMEM);
	for (i = 0; i < n; i++) {
		av_dict_set(&opts[i], "threads", "1", 0);
		av_dict_set_int(&opts[i], "max_pixels", MEDIA_DECODE_PIXELS, 0);
	}
	r = avformat_find_stream_info(fmt, opts);
	for (i = 0; i < n; i++)
		av_dict_free(&opts[i]);
	av_free(opts);
	return r;
}

/* Non-zero (after recording an error) when the declared duration cannot be
 * true: longer than years, more than the bytes can hold at the declared bit
 * rate, or far more than the frames counted in the index last. */
static int lying_duration(tw_node *node, AVFormatContext *fmt, double secs, size_t len)
{
	int64_t rate = fmt->bit_rate;
	unsigned i;

	if (secs > MEDIA_MAX_SECONDS) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse", "header declares a duration of %.0f s",
			      secs);
		return 1;
	}
	for (i = 0; rate <= 0 && i < fmt->nb_streams; i++)
		if (fmt->streams[i]->codecpar->bit_rate > 0)
			rate = fmt->streams[i]->codecpar->bit_rate;
	/* A truncated file or a header that lies; compressed streams vary
	 * around their average, hence the margin. */
	if (rate > 0 && secs * (double)rate / 8 > 4.0 * (double)len + (1 << 20)) {
		tw_node_error(node, TRAWL_ECORRUPT, "parse",
			      "header declares %.1f s at %lld bit/s, more than %zu bytes hold",
			      secs, (long long)rate, len);
		return 1;
	}
	for (i = 0; i < fmt->nb_streams; i++) {
		AVStream *st = fmt->streams[i];
		AVRational r = st->avg_frame_rate;

		if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && st->nb_frames > 0 &&
		    r.num > 0 && r.den > 0 &&
		    secs > 2 * (double)st->nb_frames / av_q2d(r) + 60) {
			tw_node_error(node, TRAWL_ECORRUPT, "parse",
				      "header declares %.1f s but the video has %lld frames",
				      secs, (long long)st->nb_frames);
			return 1;
		}
	}
	return 0;
}

static trawl_status media_read(tw_extract_ctx *cx, tw_node *node, struct media_io *mio)
{
	struct media_io m = *mio;
	size_t len = m.n;
	AVFormatContext *fmt = NULL;
	AVIOContext *io = NULL;
	unsigned char *buf;
	char err[AV_ERROR_MAX_STRING_SIZE];
	double secs;
	int r;

	if (tw_cx_locating(cx))
		return TRAWL_OK; /* no children */
	buf = av_malloc(MEDIA_IO_BUF);
	fmt = avformat_alloc_context();
	if (buf)
		io = avio_alloc_context(buf, MEDIA_IO_BUF, 0, &m, io_read, NULL, io_seek);
	if (!fmt || !io) {
		if (io)
			av_freep(&io->buffer);
		else
			av_free(buf);
		avio_context_free(&io);
		avformat_free_context(fmt);
		tw_node_error(node, TRAWL_ENOMEM, "extract", "cannot set up libavformat");
		return TRAWL_ENOMEM;
	}
	fmt->pb = io;
	fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	fmt->io_open = io_open;
	fmt->interrupt_callback.callback = io_interrupt;
	fmt->interrupt_callback.opaque = cx;
	fmt->probesize = MEDIA_PROBE_BYTES;
	fmt->format_probesize = MEDIA_PROBE_BYTES;
	fmt->max_analyze_duration = MEDIA_ANALYZE_US;
	fmt->fps_probe_size = 8;
	fmt->max_streams = MEDIA_MAX_STREAMS;
	/* The duration is taken from the headers, not by reading every
	 * timestamp to the end. */
	fmt->skip_estimate_duration_from_pts = 1;
	r = avformat_open_input(&fmt, NULL, NULL, NULL);
	if (r < 0) {
		/* avformat_open_input frees fmt on failure, not the custom I/O. */
		av_strerror(r, err, sizeof(err));
		if (!tw_cx_expired(cx))
			tw_node_error(node, TRAWL_ECORRUPT, "parse", "libavformat cannot read it: %s",
				      err);
		av_freep(&io->buffer);
		avio_context_free(&io);
		return TRAWL_OK;
	}
	r = find_stream_info(fmt);
	if (tw_cx_expired(cx)) {
		/* Cancelled or out of time: the framework records it. */
		avformat_close_input(&fmt);
		av_freep(&io->buffer);
		avio_context_free(&io);
		return TRAWL_ELIMIT;
	}
	if (r < 0) {
		av_strerror(r, err, sizeof(err));
		tw_node_error(node, TRAWL_ECORRUPT, "parse", "streams not understood: %s", err);
	}
	if (fmt->iformat && fmt->iformat->name)
		tw_node_prop(node, "container", fmt->iformat->name);
	secs = fmt->duration > 0 && fmt->duration != AV_NOPTS_VALUE
		       ? (double)fmt->duration / AV_TIME_BASE
		       : -1;
	if (secs >= 0 && lying_duration(node, fmt, secs, len))
		secs = -1;
	if (secs >= 0)
		tw_node_propf(node, "duration", "%.3f", secs);
	if (fmt->bit_rate > 0)
		tw_node_propf(node, "bit_rate", "%lld", (long long)fmt->bit_rate);
	tags(node, fmt->metadata);
	streams(node, fmt);
	avformat_close_input(&fmt);
	av_freep(&io->buffer);
	avio_context_free(&io);
	return TRAWL_OK;
}

static trawl_status media_extract(tw_extract_ctx *cx, tw_node *node, const unsigned char *data,
				  size_t len)
{
	struct media_io m = {data, NULL, len, 0, cx};

	return media_read(cx, node, &m);
}

/* Large recordings are not read into memory: libavformat reads their
 * headers (and seeks to an index at the end) through the file. */
static trawl_status media_extract_file(tw_extract_ctx *cx, tw_node *node, const char *path,
				       uint64_t size)
{
	struct media_io m = {NULL, NULL, (size_t)size, 0, cx};
	trawl_status st;

	m.f = fopen(path, "rb");
	if (!m.f) {
		tw_node_error(node, TRAWL_EIO, "read", "cannot open the file");
		return TRAWL_EIO;
	}
	st = media_read(cx, node, &m);
	fclose(m.f);
	return st;
}

const tw_extractor tw_extractor_media = {
	.name = "media",
	.type = NULL, /* audio or video, as detected */
	.accepts = media_accepts,
	.extract = media_extract,
	.extract_file = media_extract_file,
};
