//! storage-choice: measures two embedded stores (redb, fjall) for kmsim's durable state,
//! plus a plain `write_all` + `sync_data` baseline on the same disk.
//!
//! Every case is a subcommand; `run.sh` runs each one twice. Output is one line of
//! `key=value` pairs per case so the README table can be filled from it.
//!
//! Subcommands (DIR is a scratch directory that is wiped first unless stated):
//!   baseline DIR SECS [append|overwrite]   write 640 B + sync_data per op
//!   single   ENGINE DIR SECS               one thread, one record per durable commit
//!   group    ENGINE DIR SECS PRODUCERS MAX producers -> one committer, <= MAX per durable commit
//!   populate ENGINE DIR N [crash]          write N records (1000 per commit), then close cleanly,
//!                                          or with `crash` leave by process::exit (no destructors)
//!   open     ENGINE DIR                    (does not wipe) time open + read every record back
//!   crashloop ENGINE DIR BATCH             child of `torn`: commit BATCH records per durable
//!                                          commit forever, print "ack N" after each commit
//!   torn     ENGINE DIR ITERS              spawn crashloop, SIGKILL it at a random moment,
//!                                          reopen, check the contents are a prefix of whole
//!                                          batches that covers every acknowledged batch

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const KEY_LEN: usize = 40;
const VALUE_LEN: usize = 600;

// ---------------------------------------------------------------------------------------------
// Records: 40-byte keys shaped like kmsim key ids, 600-byte values of pseudo-random bytes
// (a serialized key record is mostly key material and ids: little for a compressor to find).

fn key_for(n: u64) -> Vec<u8> {
    // "key/" + a UUID-shaped string = 40 bytes; big-endian counter in the tail keeps order.
    let k = format!("key/{:08x}-0000-4000-8000-{:012x}", (n >> 48) as u32, n & 0xffff_ffff_ffff);
    assert_eq!(k.len(), KEY_LEN);
    k.into_bytes()
}

fn key_number(k: &[u8]) -> u64 {
    let s = std::str::from_utf8(k).unwrap();
    let hi = u64::from_str_radix(&s[4..12], 16).unwrap();
    let lo = u64::from_str_radix(&s[28..40], 16).unwrap();
    (hi << 48) | lo
}

fn value_for(n: u64) -> Vec<u8> {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(VALUE_LEN);
    while v.len() < VALUE_LEN {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(VALUE_LEN);
    // First 8 bytes carry the record number so a read-back can check the value belongs to the key.
    v[..8].copy_from_slice(&n.to_be_bytes());
    v
}

type Record = (Vec<u8>, Vec<u8>);

// ---------------------------------------------------------------------------------------------
// The two engines behind one small interface: "make these records durable, atomically".

trait Store: Send {
    /// Insert all records in one atomic commit that is durable (fsynced) when this returns.
    fn commit_durable(&mut self, recs: &[Record]);
    /// Read every record back; returns (count, sorted record numbers) after checking values.
    fn read_all(&self) -> Vec<u64>;
}

mod redb_store {
    use super::*;
    use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

    const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("keys");

    pub struct S {
        db: Database,
    }

    pub fn open(dir: &Path) -> S {
        fs::create_dir_all(dir).unwrap();
        let db = Database::builder().create(dir.join("kmsim.redb")).unwrap();
        S { db }
    }

    impl Store for S {
        fn commit_durable(&mut self, recs: &[Record]) {
            let mut tx = self.db.begin_write().unwrap();
            tx.set_durability(Durability::Immediate).unwrap();
            {
                let mut t = tx.open_table(TABLE).unwrap();
                for (k, v) in recs {
                    t.insert(k.as_slice(), v.as_slice()).unwrap();
                }
            }
            tx.commit().unwrap();
        }

        fn read_all(&self) -> Vec<u64> {
            let tx = self.db.begin_read().unwrap();
            let t = match tx.open_table(TABLE) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Vec::new(),
                Err(e) => panic!("{e}"),
            };
            let mut out = Vec::new();
            for item in t.iter().unwrap() {
                let (k, v) = item.unwrap();
                let n = key_number(k.value());
                assert_eq!(&v.value()[..8], &n.to_be_bytes(), "value does not match key");
                assert_eq!(v.value().len(), VALUE_LEN);
                out.push(n);
            }
            out
        }
    }

    /// Leave without running Database's destructor (as a crash would).
    pub fn forget(s: S) {
        std::mem::forget(s);
    }
}

mod fjall_store {
    use super::*;
    use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};

    pub struct S {
        db: Database,
        ks: Keyspace,
    }

    pub fn open(dir: &Path) -> S {
        let db = Database::builder(dir.join("kmsim.fjall")).open().unwrap();
        let ks = db.keyspace("keys", KeyspaceCreateOptions::default).unwrap();
        S { db, ks }
    }

    impl Store for S {
        fn commit_durable(&mut self, recs: &[Record]) {
            // The batch's durability: the journal write and an fsync (SyncAll) happen inside
            // commit(), under the journal lock, before the batch is applied to the memtable.
            let mut b = self.db.batch().durability(Some(PersistMode::SyncAll));
            for (k, v) in recs {
                b.insert(&self.ks, k.as_slice(), v.as_slice());
            }
            b.commit().unwrap();
        }

        fn read_all(&self) -> Vec<u64> {
            let mut out = Vec::new();
            for g in self.ks.iter() {
                let (k, v) = g.into_inner().unwrap();
                let n = key_number(&k);
                assert_eq!(&v[..8], &n.to_be_bytes(), "value does not match key");
                assert_eq!(v.len(), VALUE_LEN);
                out.push(n);
            }
            out
        }
    }

    pub fn forget(s: S) {
        std::mem::forget(s);
    }
}

fn open_store(engine: &str, dir: &Path) -> Box<dyn Store> {
    match engine {
        "redb" => Box::new(redb_store::open(dir)),
        "fjall" => Box::new(fjall_store::open(dir)),
        e => panic!("unknown engine {e} (redb|fjall)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn wipe(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
}

fn pct(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    sorted_us[i] as f64 / 1000.0
}

fn report(case: &str, engine: &str, ops: u64, elapsed: Duration, mut lat_us: Vec<u64>, extra: &str) {
    lat_us.sort_unstable();
    println!(
        "case={case} engine={engine} ops={ops} secs={:.2} ops_per_s={:.0} p50_ms={:.3} p99_ms={:.3} max_ms={:.3}{extra}",
        elapsed.as_secs_f64(),
        ops as f64 / elapsed.as_secs_f64(),
        pct(&lat_us, 0.50),
        pct(&lat_us, 0.99),
        pct(&lat_us, 1.0),
    );
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    args.get(i)
        .unwrap_or_else(|| panic!("missing argument {what}"))
        .parse()
        .unwrap_or_else(|e| panic!("bad {what}: {e:?}"))
}

// ---------------------------------------------------------------------------------------------
// Cases

/// `append`: every op grows the file (fdatasync must also commit the new size, as a log does).
/// `overwrite`: ops rewrite a preallocated, already-synced 64 MiB file in place (no metadata
/// to commit: the device's flush cost alone).
fn baseline(dir: &Path, secs: u64, mode: &str) {
    wipe(dir);
    const PREALLOC: u64 = 64 << 20;
    let mut f = match mode {
        "append" => fs::OpenOptions::new().create(true).append(true).open(dir.join("log")).unwrap(),
        "overwrite" => {
            let mut f = fs::OpenOptions::new().create(true).write(true).open(dir.join("log")).unwrap();
            f.write_all(&vec![0u8; PREALLOC as usize]).unwrap();
            f.sync_all().unwrap();
            f
        }
        m => panic!("unknown baseline mode {m} (append|overwrite)"),
    };
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut lat = Vec::new();
    let mut n = 0u64;
    while Instant::now() < deadline {
        let t = Instant::now();
        let mut rec = key_for(n);
        rec.extend_from_slice(&value_for(n));
        if mode == "overwrite" {
            use std::io::Seek;
            let off = (n * rec.len() as u64) % (PREALLOC - rec.len() as u64);
            f.seek(std::io::SeekFrom::Start(off)).unwrap();
        }
        f.write_all(&rec).unwrap();
        f.sync_data().unwrap();
        lat.push(t.elapsed().as_micros() as u64);
        n += 1;
    }
    report("baseline", &format!("file-{mode}"), n, start.elapsed(), lat, "");
}

fn single(engine: &str, dir: &Path, secs: u64) {
    wipe(dir);
    let mut s = open_store(engine, dir);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut lat = Vec::new();
    let mut n = 0u64;
    while Instant::now() < deadline {
        let t = Instant::now();
        let rec = (key_for(n), value_for(n));
        s.commit_durable(std::slice::from_ref(&rec));
        lat.push(t.elapsed().as_micros() as u64);
        n += 1;
    }
    let elapsed = start.elapsed();
    let got = s.read_all().len() as u64;
    assert_eq!(got, n, "records read back");
    report("single", engine, n, elapsed, lat, "");
}

struct Req {
    rec: Record,
    ack: mpsc::SyncSender<()>,
}

fn group(engine: &str, dir: &Path, secs: u64, producers: u64, max_batch: usize) {
    wipe(dir);
    let mut s = open_store(engine, dir);
    let (tx, rx) = mpsc::channel::<Req>();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);

    // The committer: block for one request, take whatever else is pending (up to max_batch),
    // make the lot durable in one commit, then ack each producer.
    let committer = thread::spawn(move || {
        let mut commits = 0u64;
        let mut batch_sizes = Vec::new();
        while let Ok(first) = rx.recv() {
            let mut reqs = vec![first];
            while reqs.len() < max_batch {
                match rx.try_recv() {
                    Ok(r) => reqs.push(r),
                    Err(_) => break,
                }
            }
            let recs: Vec<Record> = reqs.iter().map(|r| r.rec.clone()).collect();
            s.commit_durable(&recs);
            commits += 1;
            batch_sizes.push(reqs.len() as u64);
            for r in reqs {
                let _ = r.ack.send(());
            }
        }
        (s, commits, batch_sizes)
    });

    let mut handles = Vec::new();
    for p in 0..producers {
        let tx = tx.clone();
        handles.push(thread::spawn(move || {
            let mut lat = Vec::new();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let n = (p << 32) | i; // distinct key space per producer
                let (ack_tx, ack_rx) = mpsc::sync_channel(1);
                let t = Instant::now();
                tx.send(Req { rec: (key_for(n), value_for(n)), ack: ack_tx }).unwrap();
                ack_rx.recv().unwrap();
                lat.push(t.elapsed().as_micros() as u64);
                i += 1;
            }
            lat
        }));
    }
    drop(tx);
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.join().unwrap());
    }
    let elapsed = start.elapsed();
    let (s, commits, mut sizes) = committer.join().unwrap();
    let acked = lat.len() as u64;
    let got = s.read_all().len() as u64;
    assert_eq!(got, acked, "every acknowledged write is stored");
    sizes.sort_unstable();
    let extra = format!(
        " producers={producers} commits={commits} commits_per_s={:.0} mean_batch={:.1} p50_batch={} max_batch_seen={}",
        commits as f64 / elapsed.as_secs_f64(),
        acked as f64 / commits as f64,
        sizes[sizes.len() / 2],
        sizes.last().unwrap()
    );
    report("group", engine, acked, elapsed, lat, &extra);
}

fn populate(engine: &str, dir: &Path, n: u64, crash: bool) {
    wipe(dir);
    let t = Instant::now();
    let commit = |s: &mut dyn Store| {
        let mut i = 0;
        while i < n {
            let recs: Vec<Record> = (i..(i + 1000).min(n)).map(|j| (key_for(j), value_for(j))).collect();
            s.commit_durable(&recs);
            i += 1000;
        }
    };
    match engine {
        "redb" => {
            let mut s = redb_store::open(dir);
            commit(&mut s);
            if crash {
                redb_store::forget(s);
            }
        }
        "fjall" => {
            let mut s = fjall_store::open(dir);
            commit(&mut s);
            if crash {
                fjall_store::forget(s);
            }
        }
        e => panic!("unknown engine {e}"),
    }
    let size = dir_size(dir);
    println!(
        "case=populate engine={engine} records={n} secs={:.2} disk_bytes={size} shutdown={}",
        t.elapsed().as_secs_f64(),
        if crash { "crash(process::exit, no destructors)" } else { "clean" }
    );
    if crash {
        std::io::stdout().flush().unwrap();
        std::process::exit(0);
    }
}

fn dir_size(p: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = fs::read_dir(p) {
        for e in rd.flatten() {
            let m = e.metadata().unwrap();
            total += if m.is_dir() { dir_size(&e.path()) } else { m.len() };
        }
    }
    total
}

fn open_case(engine: &str, dir: &Path) {
    let t0 = Instant::now();
    let s = open_store(engine, dir);
    let open = t0.elapsed();
    let t1 = Instant::now();
    let nums = s.read_all();
    let read = t1.elapsed();
    println!(
        "case=open engine={engine} records={} open_ms={:.1} read_all_ms={:.1} total_ms={:.1}",
        nums.len(),
        open.as_secs_f64() * 1e3,
        read.as_secs_f64() * 1e3,
        (open + read).as_secs_f64() * 1e3
    );
}

fn crashloop(engine: &str, dir: &Path, batch: u64) {
    let mut s = open_store(engine, dir);
    let out = std::io::stdout();
    let mut out = out.lock();
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    let mut b = 0u64;
    loop {
        let recs: Vec<Record> = (b * batch..(b + 1) * batch).map(|j| (key_for(j), value_for(j))).collect();
        s.commit_durable(&recs);
        writeln!(out, "ack {b}").unwrap();
        out.flush().unwrap();
        b += 1;
    }
}

fn torn(engine: &str, dir: &Path, iters: u64) {
    const BATCH: u64 = 64;
    let exe = std::env::current_exe().unwrap();
    let mut seed = std::process::id() as u64 | 1;
    let mut worst_reopen = Duration::ZERO;
    for it in 0..iters {
        wipe(dir);
        let mut child = Command::new(&exe)
            .args(["crashloop", engine, dir.to_str().unwrap(), &BATCH.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        // Kill at a pseudo-random moment 150..650 ms into the commit loop.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_millis(150 + seed % 500);
        // Read acks on a thread so the child never blocks on a full pipe.
        let reader = thread::spawn(move || {
            let mut last: Option<u64> = None;
            for l in lines.map_while(Result::ok) {
                if let Some(n) = l.strip_prefix("ack ") {
                    last = Some(n.parse().unwrap());
                }
            }
            last
        });
        thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let last_acked = reader.join().unwrap();

        let t = Instant::now();
        let s = open_store(engine, dir);
        let nums = s.read_all();
        let reopen = t.elapsed();
        worst_reopen = worst_reopen.max(reopen);
        drop(s);

        let count = nums.len() as u64;
        // Prefix of whole batches: exactly 0..count, count a multiple of BATCH.
        let is_prefix = nums.iter().enumerate().all(|(i, &n)| i as u64 == n);
        let whole = count % BATCH == 0;
        let acked_records = last_acked.map_or(0, |b| (b + 1) * BATCH);
        let covers = count >= acked_records;
        println!(
            "case=torn engine={engine} iter={it} kill_after_ms={} acked_batches={} recovered_batches={} prefix={is_prefix} whole_batches={whole} covers_acked={covers} reopen_ms={:.1}",
            delay.as_millis(),
            acked_records / BATCH,
            count as f64 / BATCH as f64,
            reopen.as_secs_f64() * 1e3
        );
        assert!(is_prefix && whole && covers, "torn-write check failed");
    }
    println!(
        "case=torn-summary engine={engine} iters={iters} all_ok=true worst_reopen_ms={:.1}",
        worst_reopen.as_secs_f64() * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cmd = args.get(1).map(String::as_str).unwrap_or("");
    match cmd {
        "baseline" => baseline(
            &PathBuf::from(&args[2]),
            arg(&args, 3, "SECS"),
            args.get(4).map_or("append", String::as_str),
        ),
        "single" => single(&args[2], &PathBuf::from(&args[3]), arg(&args, 4, "SECS")),
        "group" => group(
            &args[2],
            &PathBuf::from(&args[3]),
            arg(&args, 4, "SECS"),
            arg(&args, 5, "PRODUCERS"),
            arg(&args, 6, "MAX"),
        ),
        "populate" => populate(
            &args[2],
            &PathBuf::from(&args[3]),
            arg(&args, 4, "N"),
            args.get(5).map(String::as_str) == Some("crash"),
        ),
        "open" => open_case(&args[2], &PathBuf::from(&args[3])),
        "crashloop" => crashloop(&args[2], &PathBuf::from(&args[3]), arg(&args, 4, "BATCH")),
        "torn" => torn(&args[2], &PathBuf::from(&args[3]), arg(&args, 4, "ITERS")),
        _ => {
            eprintln!("usage: see the comment at the top of src/main.rs or README.md");
            std::process::exit(2);
        }
    }
}
