//! Runs one per-callback path N times, for instruction counts that do not depend on machine load:
//!
//! ```sh
//! cargo build --profile bench -p wxgate-protocol --example callback_loop
//! valgrind --tool=callgrind target/release/examples/callback_loop b 1000
//! ```
//!
//! Paths: `a` (open), `p` (open + parse_wecom),
//! `b` (open + parse_wecom + event_type/dedup_key/to_normalized_json),
//! `c` (seal + to_xml), `none` (fixture setup only, to subtract).

use std::hint::black_box;

mod callback_fixture;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "b".into());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let fx = callback_fixture::Fixture::new();
    for _ in 0..n {
        match path.as_str() {
            "a" => drop(black_box(fx.open())),
            "p" => drop(black_box(fx.open_parse())),
            "b" => drop(black_box(fx.open_parse_normalize())),
            "c" => drop(black_box(fx.seal_to_xml())),
            "none" => {}
            other => {
                eprintln!("unknown path `{other}`: expected a, p, b, c or none");
                std::process::exit(2);
            }
        }
    }
}
