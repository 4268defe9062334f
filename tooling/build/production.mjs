/**
 * How production starts Node, for the scripts that start the compiled servers (tests, the
 * benchmark, the e2e config). The root `start` script and apps/web's `start` say the same in
 * shell form; BENCHMARKS.md ("Memory") has the measurements behind each setting.
 */

/** Node flags: compiled packages, and an old-generation cap that makes V8 collect early. */
export const PRODUCTION_NODE_ARGS = ["--conditions=authkit-dist", "--max-old-space-size=256"];

/**
 * glibc malloc: a fixed mmap threshold. Otherwise glibc raises it after the first argon2id hash
 * frees its 19 MiB block, and from then on every libuv thread that hashes keeps 19 MiB resident
 * in its own arena (~80 MiB on a 4-thread pool). Ignored where the C library is not glibc.
 */
export const PRODUCTION_ENV = { MALLOC_MMAP_THRESHOLD_: "131072" };
