/* snapshot.h: the inventory saved as JSON Lines (client/snapshot.c), and the JSON form
 * of the model that `flyaudit machines APP --json` and friends print (client/model_json.c).
 *
 * A snapshot file is, one JSON object per line:
 *   {"schema":"flyaudit.inventory/v1","org":...,"collected_at":...,"self":{...},
 *    "org_tokens":[...],"org_tokens_load":{...},"apps_load":{...},
 *    "access":{...}}                                                   header
 * ("access", people and access, only once they were read: {"role", "members",
 *  "invitations", "sso", "wireguard_peers", "wireguard_tokens", "load":{part:{...}}};
 *  a snapshot without it makes the access checks unknown)
 *   {"app":{...}}                                                     one per app
 *   {"end":true,"apps":N,"complete":true|false}                       closing line
 * The app object holds every resource list plus "loaded":[endpoint names] and
 * "errors":[{"endpoint","status","message"}]. A file without the closing line is a
 * partial (a crash or an abort); `--resume` continues it.
 *
 * Secrecy: no token and no env value is ever written. An env var is
 * {"name","len","detectors":[names],"hash":"32 hex digits"}; the running token appears
 * only through its decoded fa_self fields. No object anywhere has a "value" key.
 *
 * Files are written to PATH.tmp with mode 0600 and renamed into place.
 */
#ifndef FLYAUDIT_SNAPSHOT_H
#define FLYAUDIT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "flyaudit/model.h"

#define FA_SNAPSHOT_SCHEMA "flyaudit.inventory/v1"
/* The longest line the reader accepts (an app with all of its resources). */
#define FA_SNAPSHOT_MAX_LINE ((size_t)64 * 1024 * 1024)
/* A good size for the `err` buffers below. */
#define FA_SNAPSHOT_ERRLEN 512

/* ---- JSON views (what `--json` prints) ---------------------------------------------- */

/* A pretty-printed JSON array of one resource list of `app`: FA_EP_MACHINES, VOLUMES,
 * SECRETS, IPS, CERTS or TOKENS, each element in the snapshot's form. Returns a new
 * string (free() it), or NULL on OOM or for FA_EP_APP / an out-of-range endpoint. */
char *fa_json_app_resources(const fa_app *app, fa_endpoint ep);

/* The app object of a snapshot app line (with every resource list, "loaded" and
 * "errors"), pretty-printed or on one line. New string, NULL on OOM. */
char *fa_json_app(const fa_app *app, bool pretty);

/* A pretty JSON array of tokens (for `tokens` without an app: the org tokens). */
char *fa_json_tokens(const fa_token *tokens, size_t n);

/* A pretty JSON object of the running token's decoded fields (never the token). */
char *fa_json_self(const fa_self *self);

/* ---- writer -------------------------------------------------------------------------- */

typedef struct fa_snapshot_writer fa_snapshot_writer;

/* Starts a snapshot at `path`: creates PATH.tmp (mode 0600; truncated if a crash left it).
 * With `resume` and an existing PATH, that file must be a flyaudit snapshot (complete or
 * partial): its valid app lines are kept (a cut last line is dropped) and will be copied
 * right after the new header; fa_snapshot_has_app() names them. A corrupt line before
 * the last one, or another schema, is an error (the file is left alone).
 * Returns 0 and a new writer in *out, or -1 with a reason in err (nothing created). */
int fa_snapshot_open(fa_snapshot_writer **out, const char *path, bool resume, char *err,
		     size_t errlen);

/* True when a resumed snapshot already holds an app of this name (skip crawling it). */
bool fa_snapshot_has_app(const fa_snapshot_writer *w, const char *name);
/* How many apps the resumed file held (0 without resume). */
size_t fa_snapshot_resumed_apps(const fa_snapshot_writer *w);

/* Writes the header line; must be called once, before any app. With resume, the kept
 * app lines follow it, and a previous snapshot of another org is an error.
 * The inventory's `source` is not written. Returns 0, or -1 with the reason in
 * fa_snapshot_writer_error(w) (the writer then refuses further writes). */
int fa_snapshot_write_header(fa_snapshot_writer *w, const fa_inventory *inv);

/* Writes one app line and flushes it, so a crash keeps every completed app. Duplicates
 * are not checked: skip the names fa_snapshot_has_app() reports.
 * Returns 0, or -1 with the reason in fa_snapshot_writer_error(w) (the writer then
 * refuses further writes). */
int fa_snapshot_write_app(fa_snapshot_writer *w, const fa_app *app);

/* The one-line reason of the last failure ("" when none). Lives as long as the writer. */
const char *fa_snapshot_writer_error(const fa_snapshot_writer *w);

/* Writes the closing line {"end":true,"apps":N,"complete":complete}, fsyncs, renames
 * PATH.tmp to PATH and frees the writer (always, even on error). On error (a failed
 * write before, no header, I/O) PATH.tmp is removed, PATH is left as it was, and -1 is
 * returned with err set. */
int fa_snapshot_close(fa_snapshot_writer *w, bool complete, char *err, size_t errlen);

/* Gives up without a closing line, but keeps what was written: when the header is out,
 * the partial file is flushed, fsynced and renamed to PATH, so `snapshot --resume`
 * can continue it (a failed write that was not an I/O error, e.g. OOM building one app
 * line, leaves the file whole, so abort is the way out after it). Before the header, or
 * after an I/O error on the temp file (it may have lost resumed apps), PATH.tmp is
 * removed and PATH left as it was. Frees the writer. NULL is fine. */
void fa_snapshot_abort(fa_snapshot_writer *w);

/* ---- reader ---------------------------------------------------------------------------- */

typedef struct fa_snapshot_reader fa_snapshot_reader;

/* Opens a snapshot and reads its header into *inv_out (the caller releases it with
 * fa_inventory_release; `source` is set to `path`; no apps are read here).
 * Returns 0 and a new reader, or -1 with "PATH:LINE: reason" in err (*inv_out then holds
 * nothing to free, *out is NULL). */
int fa_snapshot_reader_open(fa_snapshot_reader **out, const char *path, fa_inventory *inv_out,
			    char *err, size_t errlen);
/* The same with a smaller (or larger) cap on a line's length (0 = FA_SNAPSHOT_MAX_LINE). */
int fa_snapshot_reader_open_max(fa_snapshot_reader **out, const char *path, size_t max_line,
				fa_inventory *inv_out, char *err, size_t errlen);

/* Reads the next app into *out (overwritten, not released first: pass a released or
 * fresh struct; the caller releases it with fa_app_release).
 * Returns 1 with an app, 0 at the end (the closing line, or EOF of a partial), or -1
 * with "PATH:LINE: reason" in err (then *out holds nothing, and the reader only closes).
 * Only one line is held in memory at a time. */
int fa_snapshot_read_app(fa_snapshot_reader *r, fa_app *out, char *err, size_t errlen);

/* True once the closing line was read with "complete": true. */
bool fa_snapshot_reader_complete(const fa_snapshot_reader *r);
/* True once the closing line was read (complete or not); false for a partial at EOF. */
bool fa_snapshot_reader_closed(const fa_snapshot_reader *r);

/* Closes the file and frees the reader. NULL is fine. */
void fa_snapshot_reader_close(fa_snapshot_reader *r);

#endif
