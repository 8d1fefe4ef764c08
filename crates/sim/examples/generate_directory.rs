//! Times the directory generator: `cargo run --release -p wxgate-sim --example generate_directory
//! -- [members] [departments] [seed]` (defaults 100000 5000 1).

use std::time::Instant;

use wxgate_sim::directory::{Directory, GenerateOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut next = |default: u64| args.next().and_then(|a| a.parse().ok()).unwrap_or(default);
    let options = GenerateOptions {
        corp_id: "wwsim0000000000001".to_owned(),
        members: next(100_000) as usize,
        departments: next(5_000) as usize,
        seed: next(1),
    };
    let started = Instant::now();
    let directory = Directory::generate(&options);
    let generated = started.elapsed();
    let started = Instant::now();
    let page = directory.list_id(None, 10_000).map(|p| p.dept_user.len());
    let paged = started.elapsed();
    let started = Instant::now();
    let seed = directory.to_seed_json();
    let exported = started.elapsed();
    println!(
        "generated {} members / {} departments in {generated:?}; first list_id page ({page:?} records) in {paged:?}; seed JSON ({} bytes) in {exported:?}",
        directory.member_count(),
        directory.department_count(),
        seed.len()
    );
}
