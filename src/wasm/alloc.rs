//! The module's memory allocator: rlsf's TLSF (two-level segregated fit) allocator instead of
//! std's dlmalloc port.
//!
//! Chosen for size (issue 15, tests/bench/README.md, fifteenth round): dlmalloc was 7.3 KB of
//! code, rlsf's default configuration about 1.3 KB, and what one runtime loads went
//! 201,572 → 198,803 B by gzip -9. Measured side by side with dlmalloc: the preparation of
//! 100,000 rows 1–4 % slower; peak linear memory for 1,000,000 CSV rows 43.9 MiB against
//! 42.7 MiB (the goal is 64 MB), for 100,016 rows as objects 24.4 against 23.3 MiB, for
//! `toCsv` of 200,000 rows 109.9 against 101.9 MiB.
//!
//! Its pools do not merge on WebAssembly (rlsf 0.2.3's source asks whether a pool *starts* at
//! the end of memory before growing it in place, which never holds), so a buffer that keeps
//! doubling leaves its earlier sizes behind as free blocks. The default configuration
//! reallocates a block in place when the block after it is free; `SmallGlobalTlsf`, which
//! never does, is 468 B smaller but peaked at 169.4 MiB where the default peaked at
//! 155.3 MiB (`toCsv` of 200,000 rows, before `csv_out::rows_of` took its document by value).
//!
//! Single-threaded: the module is built without the `atomics` target feature, for which
//! rlsf's lock does nothing (its documented WebAssembly setup). Memory comes from
//! `memory.grow`; when that fails, `alloc` returns null and Rust's allocation error handler
//! aborts, as it did with dlmalloc.

/// The global allocator of the wasm module (host builds keep the system allocator).
#[global_allocator]
static ALLOCATOR: rlsf::GlobalTlsf = rlsf::GlobalTlsf::new();
