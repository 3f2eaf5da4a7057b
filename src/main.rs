/// mimalloc: the loaders allocate many small strings and nodes from
/// several threads, where the system allocator spent about a third of
/// the run (see README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    isolint::cli::main()
}
