//! Commune search latency, the lookup behind the `communes` combobox and
//! the no-JavaScript resolution at saving (issue 9 target: p95 < 5 ms).
//!
//! Query mix, replayed as an usager types (every prefix of what they type,
//! as the combobox asks on each keystroke): 60 % a commune's name picked
//! at random (accents and hyphens as written, lowercased, or with « St »),
//! 25 % its postal code, 10 % « Nom (CP) » as the combobox fills it, 5 %
//! a later word of the name (« denis »). Deterministic (fixed seed), so
//! runs compare. Reported as p50/p95/p99 and the p95's ratio to the target.

use guichet_form::territoire::{self, COMMUNES_MAX};
use std::time::{Duration, Instant};

const TARGET_P95: Duration = Duration::from_millis(5);
const TYPED: usize = 3_000;

/// A small deterministic generator (xorshift): no dependency, same mix
/// every run.
struct Alea(u64);

impl Alea {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn main() {
    let started = Instant::now();
    // Loading is paid once per process; measured apart.
    assert!(territoire::erreur_de_chargement().is_none());
    let _ = territoire::rechercher_communes("a", 1);
    println!("load: {:.1} ms (once per process)", started.elapsed().as_secs_f64() * 1e3);

    let deps: Vec<&str> = territoire::departements().iter().map(|d| d.code).collect();
    let mut communes = Vec::new();
    for d in &deps {
        for t in territoire::rechercher_communes(d, COMMUNES_MAX) {
            communes.push(t);
        }
    }
    let mut alea = Alea(0x9E37_79B9_7F4A_7C15);
    let mut typed: Vec<String> = Vec::with_capacity(TYPED);
    // Communes to type: found through their département's postal codes
    // and by walking names, so big and small ones both appear.
    let mut pool = Vec::new();
    for q in ["sa", "le", "la", "mon", "ber", "char", "vil", "pa", "ly", "ma", "bo", "to", "ni", "st"] {
        pool.extend(territoire::rechercher_communes(q, COMMUNES_MAX));
    }
    pool.extend(communes);
    for _ in 0..TYPED {
        let t = pool[alea.next(pool.len())];
        let nom = t.commune.nom;
        let r = alea.next(100);
        let q = if r < 60 {
            match alea.next(3) {
                0 => nom.to_string(),
                1 => nom.to_lowercase(),
                _ => nom.replace("Saint-", "St "),
            }
        } else if r < 85 {
            t.code_postal.to_string()
        } else if r < 95 {
            t.libelle()
        } else {
            nom.rsplit(['-', ' ']).next().unwrap_or(nom).to_string()
        };
        typed.push(q);
    }
    let mut durations = Vec::new();
    let mut results = 0usize;
    for q in &typed {
        let chars: Vec<char> = q.chars().collect();
        // The combobox asks from 2 characters on.
        for n in 2..=chars.len() {
            let prefix: String = chars[..n].iter().collect();
            let start = Instant::now();
            let found = territoire::rechercher_communes(&prefix, COMMUNES_MAX);
            durations.push(start.elapsed());
            results += found.len();
        }
    }
    // The resolution at saving, on the full texts.
    let mut resolutions = Vec::new();
    for q in &typed {
        let start = Instant::now();
        let _ = territoire::resoudre_commune(q);
        resolutions.push(start.elapsed());
    }
    report("search (each keystroke)", &mut durations);
    report("resolution at saving", &mut resolutions);
    println!("mean results per search: {:.1}", results as f64 / durations.len().max(1) as f64);
}

fn report(what: &str, d: &mut [Duration]) {
    d.sort_unstable();
    let at = |p: f64| d[((d.len() as f64 * p) as usize).min(d.len() - 1)];
    let p95 = at(0.95);
    println!(
        "{what}: {} queries, p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms; p95 = {:.3} × target (5 ms)",
        d.len(),
        at(0.50).as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        d[d.len() - 1].as_secs_f64() * 1e3,
        p95.as_secs_f64() / TARGET_P95.as_secs_f64(),
    );
}
