//! Writes a synthetic platform monorepo for benchmarks (see
//! `benches/synth/mod.rs`) and prints what it wrote: the file count, the
//! bytes, and the findings its breaks must cause.
//!
//! `cargo run --release --example synth -- OUT --environments 1000 --breaks 10`

// Outside the library: a failure here is a panic, as in any test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "../benches/synth/mod.rs"]
mod synth;

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
struct Args {
    /// The folder to (re)create.
    out: PathBuf,
    #[arg(long, default_value_t = 1000)]
    environments: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Environments that get one known break each.
    #[arg(long, default_value_t = 0)]
    breaks: usize,
    /// Write the file list (NUL-separated) here, for timing `cat`.
    #[arg(long)]
    list: Option<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let spec = synth::Spec {
        environments: args.environments,
        seed: args.seed,
        breaks: args.breaks,
    };
    let generated = match synth::generate(&args.out, &spec) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("synth: {}: {e}", args.out.display());
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(list) = &args.list {
        let mut text = Vec::new();
        for f in &generated.files {
            let f = std::path::absolute(f).unwrap_or_else(|_| f.clone());
            text.extend_from_slice(f.as_os_str().as_encoded_bytes());
            text.push(0);
        }
        if let Err(e) = std::fs::write(list, text) {
            eprintln!("synth: {}: {e}", list.display());
            return std::process::ExitCode::from(2);
        }
    }
    println!(
        "{} environments, {} files, {} bytes, {} expected findings",
        spec.environments,
        generated.files.len(),
        generated.bytes,
        generated.expected.len()
    );
    for (code, file, line) in &generated.expected {
        println!("{code} {file}:{line}");
    }
    std::process::ExitCode::SUCCESS
}
