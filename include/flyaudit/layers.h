/* layers.h: reading one image layer as its bytes arrive (client/layers.c, libarchive), for
 * `audit --image-layers` (secrets.image_files).
 *
 * The bytes are fed in pieces as the transport delivers them (fa_layer_feed); libarchive
 * decompresses (gzip, zstd, or none, as the layer's media type says) and reads the tar
 * stream on a helper thread that runs only while a piece is being handed over, so nothing
 * is buffered beyond libarchive's own blocks and nothing is written to disk. Entry names
 * are listed; the first FA_LAYER_SNIFF_MAX bytes of each regular file whose name is
 * suspicious (fa_secret_file_suspicious) are classified (fa_secret_file_classify) and
 * dropped. Whiteouts (`.wh.NAME`, `.wh..wh..opq`) are recorded so the caller can mark files
 * of earlier layers as deleted. A cap on the decompressed bytes stops the layer (a gzip
 * bomb); the caller caps the compressed bytes it feeds.
 */
#ifndef FLYAUDIT_LAYERS_H
#define FLYAUDIT_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FA_LAYER_SNIFF_MAX (64 * 1024) /* bytes of a suspicious file that are read */
#define FA_LAYER_MAX_FINDINGS 256      /* per layer; more are counted */
#define FA_LAYER_MAX_WHITEOUTS 4096    /* per layer; more are counted (deletions missed) */

/* Default caps (README "The images machines run"). */
#define FA_LAYER_DEFAULT_MAX_COMPRESSED (512LL << 20) /* per layer */
#define FA_LAYER_DEFAULT_MAX_UNPACKED (2048LL << 20)  /* per layer */
#define FA_LAYER_DEFAULT_RUN_COMPRESSED (8LL << 30)   /* per run */
#define FA_LAYER_DEFAULT_RUN_UNPACKED (32LL << 30)    /* per run */

typedef enum {
	FA_LAYER_TAR = 0,  /* application/vnd.oci.image.layer.v1.tar */
	FA_LAYER_GZIP = 1, /* ...tar+gzip, application/vnd.docker.image.rootfs.diff.tar.gzip */
	FA_LAYER_ZSTD = 2, /* ...tar+zstd */
} fa_layer_compression;

/* The compression of a layer media type; -1 for anything else (a foreign or
 * nondistributable layer, an unknown type): such a layer is not read. NULL (the manifest
 * says nothing) is taken as gzip, Docker's default. */
int fa_layer_compression_of(const char *media_type);

typedef enum {
	FA_LAYER_RUNNING = 0,
	FA_LAYER_DONE,    /* the archive was read to its end */
	FA_LAYER_CAPPED,  /* stopped at the decompressed cap */
	FA_LAYER_FAILED,  /* not a valid archive of that compression, truncated, OOM */
} fa_layer_state;

typedef struct fa_layer_finding {
	char *path;         /* normalized ("app/.env"), cut at FA_IMAGE_FILE_PATH_MAX */
	uint32_t detectors; /* FA_DET_* */
} fa_layer_finding;

typedef struct fa_layer_result {
	fa_layer_state state;
	char note[256];            /* why, when not DONE */
	fa_layer_finding *findings;
	size_t n_findings;
	size_t n_findings_more;    /* past FA_LAYER_MAX_FINDINGS */
	char **whiteouts;          /* paths deleted in lower layers ("app/.env"); an opaque
				    * directory is "DIR/" (everything under it) */
	size_t n_whiteouts;
	size_t n_whiteouts_more;
	size_t entries;            /* tar entries listed */
	size_t sniffed;            /* suspicious files whose content was read */
	long long fed;             /* compressed bytes fed */
	long long unpacked;        /* decompressed bytes read */
} fa_layer_result;

typedef struct fa_layer_reader fa_layer_reader;

/* A reader of one layer. `max_unpacked` caps the decompressed bytes (<= 0: the default).
 * Returns NULL when out of memory or when the helper thread cannot start. */
fa_layer_reader *fa_layer_reader_new(fa_layer_compression c, long long max_unpacked);

/* Hands over the next piece (borrowed only for the call). Returns 0 to go on, 1 when the
 * reader wants no more (the archive ended, or it stopped: see the result; the caller may
 * go on hashing what still arrives), -1 when out of memory. */
int fa_layer_feed(fa_layer_reader *r, const void *data, size_t len);

/* No more bytes: lets the reader finish and returns its result (owned by the reader).
 * A stream that ends before the archive does is FAILED ("truncated"). */
const fa_layer_result *fa_layer_finish(fa_layer_reader *r);

/* Stops the reader if it still runs and frees it with its result. NULL is fine. */
void fa_layer_reader_free(fa_layer_reader *r);

/* Reads a whole layer from memory (tests, the fuzz target): new, feed in pieces of
 * `piece` bytes (0: all at once), finish. The result is copied into *out (release it with
 * fa_layer_result_release). Returns 0, or -1 when out of memory. */
int fa_layer_read_memory(fa_layer_compression c, const void *data, size_t len, size_t piece,
			 long long max_unpacked, fa_layer_result *out);
void fa_layer_result_release(fa_layer_result *res);

#endif
