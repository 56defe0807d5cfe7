/*
 * monitor/grade/grade.h — the grader and the lab tools (`vmlab grade`, `vmlab lab`).
 *
 * The grader never links student code into itself: it builds each submission in a
 * work tree (a copy of the reference tree whose hole files are the student's), runs
 * the lab's checks there under a sandbox, and compares what they print with what the
 * same commands print on the reference build (with the same per-student variant).
 * Labs are described by a rubric file (labs/README.md, "Rubric format").
 */
#ifndef GRADE_GRADE_H
#define GRADE_GRADE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define GRADE_MAX_CHECKS 48
#define GRADE_MAX_HOLES 16
#define GRADE_MAX_VARS 8
#define GRADE_NAME_MAX 64
#define GRADE_PATH_MAX 4096

/* ---- rubric (rubric.c) */
enum grade_kind {
	GK_BUILD,  /* the command builds the submission; every other check needs it */
	GK_EXIT,   /* passes when the command exits 0 (unit tests) */
	GK_OUTPUT, /* stdout+stderr+exit status equal the reference's, byte for byte */
	GK_TRACE,  /* the trace file it writes equals the reference's under trace-diff */
	GK_ANSWER, /* a number in the student's answers file, against the reference run */
};

/* An answer check's tolerance, exactly as the rubric writes it: NUM/DEN absolute, or
 * NUM/DEN of the expected value (rel; "2.5%" is 25/1000). den 0: none (exact). */
struct grade_tol {
	unsigned long long num, den;
	bool rel;
	double value;           /* num/den, for numbers compared as doubles */
};

struct grade_check {
	char name[GRADE_NAME_MAX];
	enum grade_kind kind;
	double points;
	bool hidden;
	unsigned timeout;       /* wall-clock seconds */
	char ignore[128];       /* trace: comma-separated trace-diff --ignore fields */
	char file[GRADE_NAME_MAX]; /* trace: file name under @OUT@ (default "trace") */
	char key[GRADE_NAME_MAX];  /* answer: key in answers.txt */
	char grep[128];         /* answer: the number follows this text in the reference output */
	char handin[GRADE_NAME_MAX]; /* trace, output: the submission's file compared with the
				      * reference run (the command runs on the reference only) */
	struct grade_tol tol;   /* answer: tolerance (tol=0.5 or tol=2%) */
	char *cmd;              /* shell command, @VARS@ not yet substituted */
};

/* A per-student variable: @NAME@ takes a value chosen from the student id. */
struct grade_var {
	char name[GRADE_NAME_MAX];
	bool range;             /* "range LO HI" or "pick V1 V2 ..." */
	unsigned long lo, hi;
	char picks[256];        /* space-separated choices */
};

struct grade_rubric {
	char lab[GRADE_NAME_MAX];   /* folder name under labs/, e.g. 07-shadow-fill */
	char title[128];
	char holes[GRADE_MAX_HOLES][256]; /* files the student hands in, relative to the root */
	int nholes;
	char privates[GRADE_MAX_HOLES][256]; /* files and folders never exported */
	int nprivates;
	struct grade_var vars[GRADE_MAX_VARS];
	int nvars;
	unsigned timeout;           /* default per-check seconds */
	char *solve;                /* command writing a variant's model submission into @OUT@, or NULL */
	bool student_copy;          /* "student-copy" (vmlab lab export writes it): this tree's holes are
				       stubs or the student's code, so it is no reference to compare with */
	struct grade_check checks[GRADE_MAX_CHECKS];
	int nchecks;
};

/* Parse a rubric file. 0 on success; -1 with a one-line message in err. */
int grade_rubric_load(const char *path, struct grade_rubric *r, char *err, size_t errlen);
void grade_rubric_free(struct grade_rubric *r);
const char *grade_kind_name(enum grade_kind k);
/* Is this check about the student's code (the export must score zero on it)? */
bool grade_check_is_code(const struct grade_check *c);

/* ---- answers (answers.c) */
/* A number as written: exact (an integer in full, decimal or 0x hex, optional sign:
 * neg and mag hold it and hex says how it was written) or a double only. */
struct grade_number {
	double d;               /* the value (NAN: none) */
	bool exact, neg, hex;
	unsigned long long mag;
	char text[40];          /* the number as written (up to 39 bytes of it) */
};
/* The number at the start of s; false (d NAN) if there is none. */
bool grade_parse_number(const char *s, struct grade_number *n);
/* The first number after the first occurrence of text in s (on the same line). */
bool grade_number_after(const char *s, const char *text, struct grade_number *n);
/* The value of key in an answers file ("key = value", "key: value" or "key value", one a
 * line, leading blanks allowed); false if the key is absent or has no number. */
bool grade_answer_of(const char *answers, const char *key, struct grade_number *n);
/* n as an answer key writes it: an exact number in its base (0x... when it was hex),
 * any other as it was written. */
void grade_number_format(const struct grade_number *n, char *buf, size_t len);
/* "0.5", "2%", "2.5%": 0, or -1 if not a plain decimal of at most 18 digits. */
int grade_tol_parse(const char *s, struct grade_tol *t);
/* Is got within tol of want? As integers when both are exact, else as doubles. */
bool grade_number_within(const struct grade_number *got, const struct grade_number *want,
			 const struct grade_tol *tol);

/* ---- per-student variants (variant.c) */
struct grade_env {
	char names[GRADE_MAX_VARS + 8][GRADE_NAME_MAX];
	char values[GRADE_MAX_VARS + 8][GRADE_PATH_MAX];
	int n;
};
void grade_env_set(struct grade_env *e, const char *name, const char *value);
/* The rubric's variables for this student id (same id -> same values). */
void grade_env_variant(struct grade_env *e, const struct grade_rubric *r, const char *student);
/* One line "SEED=123 TLB=16x4" naming the variant (for reports and cache keys). */
void grade_env_describe(const struct grade_env *e, const struct grade_rubric *r, char *buf, size_t len);
/* cmd with every @NAME@ replaced; malloc'd. Unknown @NAME@ stays as it is. */
char *grade_env_expand(const struct grade_env *e, const char *cmd);

/* ---- sandbox (sandbox.c) */
/* bwrap: namespaces (labs/README.md, "Sandbox"); landlock: the same file-system view
 * and no network through the Landlock LSM and a seccomp filter, without namespaces (for
 * where bwrap cannot run); limits-only: rlimits (and a uid per slot as root) only. */
enum grade_sandbox_kind { SANDBOX_BWRAP, SANDBOX_LANDLOCK, SANDBOX_LIMITS_ONLY };
struct grade_sandbox {
	enum grade_sandbox_kind kind;
	char why[256];          /* why it is not bwrap, when it is not */
	bool as_root;           /* runs submissions under a uid of their own */
	unsigned uid_base;
	int landlock_abi;       /* the kernel's Landlock ABI version (landlock mode) */
	char pids_cg[64];       /* where slots get a pids cgroup (as root), or "" */
};
struct grade_limits {
	unsigned cpu_s, wall_s;
	unsigned long mem_mb, fsize_mb, nproc;
};
struct grade_outcome {
	int status;             /* exit status, or -1 */
	int signal;             /* killing signal, or 0 */
	bool timed_out;
	char reason[256];       /* one line when it did not exit normally */
};
/* Find out what sandbox works here: bwrap, else landlock, else limits only, with the
 * reason in why; VMLAB_GRADE_SANDBOX=bwrap|landlock|limits-only forces one. -1 (why
 * says it) when the forced one does not work here. */
int grade_sandbox_probe(struct grade_sandbox *sb);
/* "bwrap", "landlock" or "limits-only" (the JSON reports' "sandbox"). */
const char *grade_sandbox_name(const struct grade_sandbox *sb);
/* The one line that says which sandbox runs submissions and, if it is not bwrap, why;
 * empty for bwrap. */
void grade_sandbox_describe(const struct grade_sandbox *sb, char *buf, size_t len);
/* Run `sh -c cmd` in dir (the only writable place), slot picks the uid; output goes
 * to outpath (stdout and stderr). Never fails silently: o->reason says what happened. */
void grade_sandbox_run(const struct grade_sandbox *sb, unsigned slot, const char *dir,
		       const char *cmd, const struct grade_limits *lim, const char *outpath,
		       struct grade_outcome *o);
/* Run argv unsandboxed (trusted reference tools), output to outpath, wall timeout. */
/* In a batch worker: die with the grader, killing the command being waited for (sandbox.c). */
void grade_sandbox_die_with_parent(void);
void grade_run_trusted(char *const argv[], const char *dir, const char *outpath,
		       unsigned wall_s, struct grade_outcome *o);
/* confine.c: the kernel's Landlock ABI version, or -errno when it has none. */
int grade_landlock_abi(void);
/* Confine the calling process (landlock, seccomp, no_new_privs): read and execute the
 * system, read and write tree and tmp (may be NULL), no network. 0, or -1 with err. */
int grade_confine(int abi, const char *tree, const char *tmp, char *err, size_t len);
/* Hand the tree to the slot's uid (when running as root). */
int grade_sandbox_own(const struct grade_sandbox *sb, unsigned slot, const char *dir);

/* ---- holes and export (hole.c) */
/* Replace the bodies marked "LAB-HOLE-BEGIN lab" ... "LAB-HOLE-END lab" in text by
 * their stubs; malloc'd result, *count = number of holes replaced. NULL on a
 * malformed marker (message in err). */
char *grade_hole_stub(const char *text, const char *lab, int *count, char *err, size_t errlen);
/* Copy of text without any LAB-HOLE marker lines (the reference as students see it). */
char *grade_hole_unmark(const char *text);
/* Lines of the hole bodies of lab (for the "no solution text" check), malloc'd. */
char *grade_hole_bodies(const char *text, const char *lab);

/* ---- files (files.c) */
char *grade_read_file(const char *path, size_t *len);  /* NUL-terminated; NULL if absent */
int grade_write_file(const char *path, const char *data, size_t len); /* atomic (tmp+rename) */
int grade_mkdirs(const char *path);
int grade_rmtree(const char *path);
/* cp -a without node_modules folders (copy.c) */
int grade_copy_tree(const char *src, const char *dst);
/* Copy (with link: symbolically link) each entry of folder src into the folder dst,
 * except those skip(name, is_a_folder) refuses. */
int grade_copy_entries(const char *src, const char *dst, bool (*skip)(const char *name, bool dir), bool link);
/* Open rel under the folder root following no symbolic link on the way (a work tree's
 * files are the sandbox's: the grader reads them as they are, never where a link
 * planted by a submission points); -1 with errno ELOOP or ENOTDIR on a link. */
int grade_open_beneath(const char *root, const char *rel, int flags);
/* The regular file rel under root (as grade_open_beneath) if at most max bytes;
 * NUL-terminated, malloc'd; NULL if absent, not regular, a link or too large. */
char *grade_read_beneath(const char *root, const char *rel, size_t max, size_t *len);
bool grade_exists(const char *path);
bool grade_is_dir(const char *path);

/* ---- one submission (grade.c, workdir.c, check.c) */
struct grade_result {
	char name[GRADE_NAME_MAX];
	double score, max;
	bool passed, hidden;
	char output[1024];      /* one-line reason plus a little of what it printed */
};

struct grade_ctx {
	const char *root;       /* reference tree (has Makefile, labs/) */
	const char *build;      /* reference build folder (absolute) */
	char labdir[GRADE_PATH_MAX];
	struct grade_rubric rubric;
	struct grade_sandbox sandbox;
	const char *workroot;   /* where work trees and the reference cache go */
	char paths[2][PATH_MAX]; /* what root and build point to (grade_ctx_open) */
	const char *source_of;  /* vmlab lab export --source-of: labs (comma-separated: folder, number
				 * or name) whose hole files the export keeps as source, or NULL */
	bool keep;
	bool quiet;
};

struct grade_report {
	char student[GRADE_NAME_MAX];
	char variant[256];
	char refused[256];      /* why the submission was refused as a whole (every check 0), or "" */
	double score, max;
	int n;
	struct grade_result r[GRADE_MAX_CHECKS];
};

/* The reference tree at dst: symbolic links to the reference sources and build. */
int grade_ref_tree(const struct grade_ctx *g, const char *dst, char *err, size_t errlen);
/* A submission's work tree at tree (sub NULL: the export, every hole stubbed);
 * *taken = how many hole files came from the submission. */
int grade_work_tree(const struct grade_ctx *g, const char *sub, const char *tree,
		    int *taken, char *err, size_t errlen);
/* Where a check runs: the tree, its variables, the answers file. */
struct grade_site {
	const char *tree;
	char outs[GRADE_PATH_MAX]; /* the commands' outputs (NAME.out) and what the grader takes
				    * from the tree: outside the tree, out of the sandbox's reach */
	const char *handins;    /* the submission folder (hand-in files), or NULL */
	struct grade_env env;
	bool sandboxed;
	unsigned slot;
};
/* Run check c of the submission (sub) against the reference (ref); result in res. */
void grade_check_run(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *sub,
		     struct grade_site *ref, const char *answers, struct grade_result *res);

/* Copy the reference sources (no build folders, no dot files) into dst. */
int grade_copy_sources(const char *root, const char *dst);
/* Replace hole file rel in tree by its stubbed, unmarked version. */
int grade_stub_hole(const struct grade_ctx *g, const char *tree, const char *rel, char *err, size_t errlen);

/* Run c on the reference (once per variant); out = its output file, trace = its trace file
 * (GRADE_PATH_MAX and twice that). */
void grade_check_reference(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *ref,
			   char *out, char *trace);
/* The number an answer check expects; false if the reference output has none. */
bool grade_check_expected(const struct grade_ctx *g, const struct grade_check *c, struct grade_site *ref,
			  struct grade_number *n);

/* Grade one submission folder; slot picks the sandbox uid (parallel workers). */
int grade_submission(struct grade_ctx *g, const char *subdir, const char *student,
		     unsigned slot, struct grade_report *rep);
/* Resolve LAB (a folder under labs/, its number, or a path) and load its rubric. */
int grade_ctx_open(struct grade_ctx *g, const char *root, const char *lab, char *err, size_t errlen);

/* ---- reports (report.c) */
enum grade_format { GF_TEXT, GF_JSON, GF_JUNIT, GF_GRADESCOPE };
int grade_parse_format(const char *s, enum grade_format *f);
void grade_report_write(FILE *f, const struct grade_report *rep, const struct grade_ctx *g,
			enum grade_format fmt);
/* Serialize/parse a report as one JSON object (the per-student result files). */
void grade_report_json(FILE *f, const struct grade_report *rep, const struct grade_ctx *g);
void grade_json_string(FILE *f, const char *s);

/* ---- instructor tools (export.c, labcheck.c) */
/* Write the student tree of the lab to dir (which must not exist): also refuses a
 * --source-of lab that does not exist and an object of the reference build older than
 * its source. */
int grade_export(const struct grade_ctx *g, const char *dir, char *err, size_t errlen);
/* The same into dir, which may exist (empty): also the sources of every work tree. */
int grade_export_tree(const struct grade_ctx *g, const char *dir, char *err, size_t errlen);
/* Where the build folder holds the object of source file src (relative to the root):
 * obj/tlb/tlb.o, guestos/obj/vm.c.o; an export ships another lab's hole file as
 * prebuilt/ + that path. -1 for a file the build compiles no such way. */
int grade_prebuilt_path(const char *src, char *obj, size_t len);
/* Does the exported tree hold any solution text? 0 no; 1 yes (named in err). */
int grade_export_leaks(const struct grade_ctx *g, const char *dir, char *err, size_t errlen);
/* The right answers for a student (answers.txt text, malloc'd). */
char *grade_answer_key(struct grade_ctx *g, const char *student);
/* A submission that deserves full marks for this student's variant, written to the
 * folder dir: the rubric's solve command, or the reference's hole files; then the
 * reference's hand-in files and the answer key. */
int grade_model_submission(struct grade_ctx *g, const char *dir, const char *student);

/* ---- front ends */
int grade_main(int argc, char **argv);
int grade_batch(struct grade_ctx *g, const char *dir, const char *roster, unsigned jobs);
int grade_lab_main(int argc, char **argv);

#endif
